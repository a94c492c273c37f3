package io.lnkv.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lnkv.migrate.MigrationProgress;
import java.io.PrintWriter;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Where a command's results go: text for people, or one JSON document with {@code --json}; and
 * progress bars on standard error, only when it is a terminal and the output is text.
 */
final class Output {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final PrintWriter out;
  private final PrintWriter err;
  private final boolean json;
  private final boolean interactive;

  Output(PrintWriter out, PrintWriter err, boolean json, boolean interactive) {
    this.out = out;
    this.err = err;
    this.json = json;
    this.interactive = interactive && !json;
  }

  boolean json() {
    return json;
  }

  PrintWriter out() {
    return out;
  }

  /** Prints {@code text} (a line) as text, or {@code data} as JSON with {@code --json}. */
  void result(Object data, String text) {
    if (json) {
      try {
        out.println(JSON.writeValueAsString(data));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
      }
    } else if (!text.isEmpty()) {
      out.println(text); // nothing at all for nothing: an empty scope lists no blank line
    }
    out.flush();
  }

  /** A warning on standard error: one line, or a JSON object with {@code --json}. */
  void warn(String message) {
    err.println(
        json ? jsonLine(java.util.Map.of("warning", message)) : "lnkv: warning: " + message);
    err.flush();
  }

  /** An error as {@code --json} prints it on standard error. */
  static String jsonError(String message, int exitCode) {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("error", message);
    m.put("exit", exitCode);
    return jsonLine(m);
  }

  private static String jsonLine(Object data) {
    try {
      return JSON.writeValueAsString(data);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
    }
  }

  /** A progress bar for a long task: counts, rate and time left; nothing when not interactive. */
  Progress progress(String task) {
    return new Progress(task);
  }

  /** Receives progress and draws it; close it when the task ends. */
  final class Progress implements MigrationProgress, AutoCloseable {
    private final String task;
    private ProgressBar bar;

    private Progress(String task) {
      this.task = task;
    }

    @Override
    public void onProgress(long done, long total) {
      if (!interactive) {
        return;
      }
      if (bar == null) {
        bar =
            new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit(" keys", 1)
                .showSpeed()
                .setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
      }
      bar.maxHint(total);
      bar.stepTo(done);
    }

    @Override
    public void close() {
      if (bar != null) {
        bar.close();
      }
      err.flush();
    }
  }
}
