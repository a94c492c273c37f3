package io.lnkv.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A connection that keeps the statements it prepares, for SQLite, whose driver compiles the SQL
 * again on every {@code prepareStatement} and caches nothing: measured, compiling was about a third
 * of the CPU of an upsert without fsync.
 *
 * <p>{@code prepareStatement(sql)} (the one-argument form) returns the statement prepared before
 * for the same text, its parameters cleared; closing it returns it to the cache instead of
 * finalizing it. Callers close their result sets as before (SQLite holds a read snapshot while one
 * is open). A statement asked for while the same text is still lent (nested use) is a fresh one,
 * closed normally. At most {@value #MAX_STATEMENTS} statements are kept, the least recently used
 * dropped first. Closing the connection closes them all. Every other call goes to the wrapped
 * connection.
 *
 * <p>Not thread-safe, like the connection it wraps: one thread at a time.
 */
public final class CachingConnection implements InvocationHandler {
  static final int MAX_STATEMENTS = 64;

  private final Connection connection;
  private final Map<String, Cached> statements = new LinkedHashMap<>(16, 0.75f, true);

  /** A kept statement and whether a caller holds it now. */
  private static final class Cached implements InvocationHandler {
    final PreparedStatement statement;
    final PreparedStatement proxy;
    boolean lent;
    boolean dropped; // out of the cache: the caller's close finalizes it

    Cached(PreparedStatement statement) {
      this.statement = statement;
      this.proxy =
          (PreparedStatement)
              Proxy.newProxyInstance(
                  PreparedStatement.class.getClassLoader(),
                  new Class<?>[] {PreparedStatement.class},
                  this);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (isIdentityMethod(method)) {
        return identity(proxy, method, args);
      }
      if (method.getName().equals("close") && method.getParameterCount() == 0) {
        if (!lent) {
          return null; // closed twice
        }
        lent = false;
        if (dropped) {
          statement.close();
        } else {
          statement.clearParameters();
          statement.clearBatch();
        }
        return null;
      }
      if (method.getName().equals("isClosed") && method.getParameterCount() == 0) {
        return !lent || statement.isClosed();
      }
      return call(statement, method, args);
    }
  }

  private CachingConnection(Connection connection) {
    this.connection = connection;
  }

  /** {@code connection}, keeping the statements it prepares. */
  public static Connection wrap(Connection connection) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            new CachingConnection(connection));
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    if (isIdentityMethod(method)) {
      return identity(proxy, method, args);
    }
    String name = method.getName();
    if (name.equals("prepareStatement")
        && method.getParameterCount() == 1
        && args[0] instanceof String sql) {
      return prepare(sql);
    }
    if (name.equals("close") && method.getParameterCount() == 0) {
      closeStatements();
      connection.close();
      return null;
    }
    return call(connection, method, args);
  }

  private PreparedStatement prepare(String sql) throws SQLException {
    Cached cached = statements.get(sql);
    if (cached != null && cached.lent) {
      return connection.prepareStatement(sql); // nested: a statement of its own
    }
    if (cached == null) {
      cached = new Cached(connection.prepareStatement(sql));
      statements.put(sql, cached);
      if (statements.size() > MAX_STATEMENTS) {
        dropEldest();
      }
    }
    cached.lent = true;
    return cached.proxy;
  }

  private void dropEldest() throws SQLException {
    var eldest = statements.entrySet().iterator();
    Cached c = eldest.next().getValue();
    eldest.remove();
    c.dropped = true;
    if (!c.lent) {
      c.statement.close();
    }
  }

  private void closeStatements() {
    for (Cached c : statements.values()) {
      c.dropped = true;
      try {
        c.statement.close();
      } catch (SQLException ignored) {
        // the connection closes next, which ends them anyway
      }
    }
    statements.clear();
  }

  /** {@code equals} or {@code hashCode}: a proxy is equal to itself only, as a connection is. */
  private static boolean isIdentityMethod(Method method) {
    return method.getDeclaringClass() == Object.class
        && (method.getName().equals("equals") || method.getName().equals("hashCode"));
  }

  private static Object identity(Object proxy, Method method, Object[] args) {
    return method.getName().equals("equals")
        ? (Object) (proxy == args[0])
        : (Object) System.identityHashCode(proxy);
  }

  private static Object call(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
