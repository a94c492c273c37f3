package io.lnkv.internal;

import io.lnkv.UnsafeFileException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/**
 * The one way lnkv opens a file it creates or writes (the writer lock, both record logs, their
 * folder markers, temporary and in-place value files, {@code lnkv get -o}): never through a link it
 * did not make. Someone who can write the folder (the threat the lock file resists) could otherwise
 * plant a symbolic link, or a hard link to another file, at the name lnkv is about to write, and
 * have node state (keys, values) written into a file of their choosing, or that file truncated.
 *
 * <ul>
 *   <li>A symbolic link at the name is refused with its name and target; the open itself uses
 *       {@code O_NOFOLLOW}, so a link planted between the check and the open is refused too.
 *   <li>A FIFO, a device or a socket is refused (a folder fails the open on its own).
 *   <li>A regular file with more than one hard link is refused after the open, before anything is
 *       written: it is another file too.
 *   <li>A file created here is readable by its owner only ({@link OwnerOnly}).
 * </ul>
 *
 * Refusals are {@link UnsafeFileException}s that name the file, what it is, and what to do.
 */
public final class OwnFiles {
  private OwnFiles() {}

  /**
   * Opens {@code file} for writing, never through a link, creating it (owner-only) when {@code
   * options} ask for it.
   *
   * @param role what the file is, for messages, e.g. {@code "the commit log"}
   * @param options open options; WRITE and NOFOLLOW_LINKS are added
   * @throws UnsafeFileException if a link or a non-regular file is at that name
   * @throws IOException if the open fails otherwise
   */
  public static FileChannel openForWriting(Path file, String role, OpenOption... options)
      throws IOException {
    Set<OpenOption> all = new HashSet<>(Set.of(options));
    if (all.contains(StandardOpenOption.CREATE_NEW)) {
      // O_CREAT|O_EXCL: a new file of lnkv's own, never a link (a link at the name fails it)
      all.add(StandardOpenOption.WRITE);
      try {
        return FileChannel.open(file, all, OwnerOnly.file(file));
      } catch (FileSystemException e) {
        refuseAlias(file, role);
        throw e;
      }
    }
    refuseAlias(file, role);
    all.add(StandardOpenOption.WRITE);
    all.add(LinkOption.NOFOLLOW_LINKS);
    FileChannel ch;
    try {
      ch = FileChannel.open(file, all, OwnerOnly.file(file));
    } catch (FileSystemException e) {
      refuseAlias(file, role); // a link planted since the check: O_NOFOLLOW refused it
      throw e;
    }
    try {
      refuseHardLinks(file, role);
    } catch (UnsafeFileException | IOException e) {
      ch.close();
      throw e;
    }
    return ch;
  }

  /**
   * Creates {@code file} empty if absent (a marker), by the same rules; an existing regular file
   * with one link is left as it is.
   */
  public static void touch(Path file, String role) throws IOException {
    openForWriting(file, role, StandardOpenOption.CREATE).close();
  }

  /**
   * Refuses a symbolic link or a non-regular file at {@code file}; nothing there, or a regular
   * file, passes.
   *
   * @throws UnsafeFileException naming what is there
   */
  public static void refuseAlias(Path file, String role) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    }
    if (a.isSymbolicLink()) {
      String target;
      try {
        target = Files.readSymbolicLink(file).toString();
      } catch (IOException | UnsupportedOperationException e) {
        target = "unreadable";
      }
      throw new UnsafeFileException(
          "Refusing "
              + role
              + " "
              + file
              + ": it is a symbolic link (to "
              + target
              + "), which lnkv never follows; writing through it would write into that file."
              + " Remove the link (lnkv creates this file itself)");
    }
    if (a.isDirectory()) {
      return; // the open fails on its own ("Is a directory"), writing nothing anywhere
    }
    if (!a.isRegularFile()) {
      throw new UnsafeFileException(
          "Refusing "
              + role
              + " "
              + file
              + ": it is not a regular file (a device, FIFO or socket). Move it away (lnkv"
              + " creates this file itself)");
    }
  }

  /** A regular file with more than one name is another file too, which writing would change. */
  private static void refuseHardLinks(Path file, String role) throws IOException {
    Object links;
    try {
      links = Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return; // no link count on this platform or file system
    }
    if (links instanceof Integer n && n > 1) {
      throw new UnsafeFileException(
          "Refusing "
              + role
              + " "
              + file
              + ": it has "
              + n
              + " hard links, so it is another file too, which writing would change. Remove it, or"
              + " copy it to a file of its own (lnkv creates this file itself)");
    }
  }
}
