package org.lowrank.cli;

import java.util.Locale;
import org.lowrank.LowrankException;
import org.lowrank.LowrankException.Kind;
import picocli.CommandLine;

/**
 * Turns the JVM's resource errors into one-line resource failures the handler in {@link Main} can
 * print (exit code {@link ExitCodes#RESOURCE}): {@link OutOfMemoryError} (Java heap, or JavaCPP's
 * native limits), {@link StackOverflowError} (input nested too deep for a recursive reader), and
 * PyTorch's native allocation failures, which DJL reports as ordinary exceptions. Each message says
 * which memory setting to change.
 */
final class ResourceFailures {
  /** The launcher's default Java options (scripts/launch.sh). */
  static final String DEFAULT_JAVA_OPTS = "-Xmx8g";

  /** A resource limit hit while running a command: the user gives more memory or works on less. */
  static final class ResourceLimitException extends LowrankException {
    private static final long serialVersionUID = 1L;

    ResourceLimitException(String message, Throwable cause) {
      this(Kind.RESOURCE, message, cause);
    }

    ResourceLimitException(Kind kind, String message, Throwable cause) {
      super(kind, message, cause);
    }
  }

  private ResourceFailures() {}

  /** Runs the last subcommand like picocli's RunLast, mapping resource errors to exceptions. */
  static int execute(CommandLine.ParseResult parseResult) {
    try {
      return new CommandLine.RunLast().execute(parseResult);
    } catch (OutOfMemoryError | StackOverflowError e) {
      CommandLine.ParseResult last = parseResult;
      while (last.subcommand() != null) {
        last = last.subcommand();
      }
      RuntimeException mapped = map(e);
      throw new CommandLine.ExecutionException(
          last.commandSpec().commandLine(), mapped.getMessage(), mapped);
    }
  }

  /** The failure to report for a resource error. */
  static RuntimeException map(Error e) {
    if (e instanceof StackOverflowError) {
      return new ResourceLimitException(
          Kind.BAD_INPUT,
          "an input is nested too deeply to read (stack overflow); "
              + "check the model and plan files, or give the reader a larger stack with "
              + "LOWRANK_JAVA_OPTS=\""
              + DEFAULT_JAVA_OPTS
              + " -Xss16m\"",
          e);
    }
    String msg = String.valueOf(e.getMessage());
    if (msg.contains("maxPhysicalBytes") || msg.contains("maxBytes")) {
      return new ResourceLimitException(
          "out of native memory ("
              + msg
              + "): JavaCPP's limits "
              + "follow the Java heap; raise them with LOWRANK_JAVA_OPTS=\""
              + DEFAULT_JAVA_OPTS
              + " -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.maxBytes=0\", "
              + "or hold less at once with a smaller --memory-budget",
          e);
    }
    long maxMiB = Runtime.getRuntime().maxMemory() >> 20;
    return new ResourceLimitException(
        String.format(
            Locale.ROOT,
            "out of memory (%s; Java heap "
                + "limit %d MiB): give Java more with LOWRANK_JAVA_OPTS=-Xmx16g (the launcher's default is "
                + "%s), or work on less at once (--batch-size, --eval-limit, a smaller --input-shape)",
            msg,
            maxMiB,
            DEFAULT_JAVA_OPTS),
        e);
  }

  /**
   * A PyTorch (native) allocation failure or a wrapped {@link OutOfMemoryError} among {@code t}'s
   * causes, as a resource failure, else null. Native tensors live outside the Java heap, so -Xmx
   * does not help there.
   */
  static RuntimeException nativeOutOfMemory(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof OutOfMemoryError oom) {
        return map(oom); // thrown on another thread (a prefetcher, a pool) and wrapped
      }
      String m = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
      if (m.contains("not enough memory")
          || m.contains("can't allocate memory")
          || m.contains("out of memory") && !(c instanceof ResourceLimitException)) {
        return new ResourceLimitException(
            "out of native memory in PyTorch ("
                + firstLine(c.getMessage())
                + "): native tensors live outside the Java heap, so -Xmx does not limit them; free "
                + "memory on the machine or work on less at once (a smaller --memory-budget, "
                + "--batch-size, --calibration, --threads, --train-limit)",
            t);
      }
    }
    return null;
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
