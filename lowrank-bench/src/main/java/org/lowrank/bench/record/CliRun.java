package org.lowrank.bench.record;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.lowrank.cli.Main;

/**
 * One {@code lowrank} command run in process, exactly as a user would type it: exit code, what it
 * wrote to stdout and stderr, and wall seconds.
 */
public record CliRun(
    List<String> args, int exitCode, String stdout, String stderr, double seconds) {

  /** Runs {@code lowrank ARGS...} in this JVM through the CLI's own command line. */
  public static CliRun of(List<String> args) {
    StringWriter so = new StringWriter();
    StringWriter se = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(so));
    cl.setErr(new PrintWriter(se));
    long t0 = System.nanoTime();
    int code = cl.execute(args.toArray(String[]::new));
    return new CliRun(
        List.copyOf(args), code, so.toString(), se.toString(), (System.nanoTime() - t0) / 1e9);
  }

  /**
   * The command's one-line verdict: the last stderr line starting with {@code lowrank} (its error
   * or rejection), else the last non-empty stderr line, else "".
   */
  public String message() {
    String last = "";
    for (String l : stderr.split("\\R")) {
      if (l.startsWith("lowrank")) {
        last = l;
      }
    }
    if (!last.isEmpty()) {
      return last.strip();
    }
    String[] lines = stderr.strip().split("\\R");
    return lines[lines.length - 1].strip();
  }

  /**
   * The command as a user would type it: {@code ./lowrank ARGS}, with every occurrence of a path in
   * {@code labels} replaced by its label (e.g. the scratch output by OUT.onnx, the models folder by
   * $LOWRANK_MODELS) and the home folder by ~.
   */
  public String shown(Map<Path, String> labels) {
    return "./lowrank " + scrub(String.join(" ", args), labels);
  }

  /**
   * {@code text} with the paths in {@code labels} replaced by their labels and the home folder by
   * ~.
   */
  public static String scrub(String text, Map<Path, String> labels) {
    String s = text;
    for (Map.Entry<Path, String> e : labels.entrySet()) {
      s = s.replace(e.getKey().toString(), e.getValue());
    }
    String home = System.getProperty("user.home");
    return home == null || home.isEmpty() ? s : s.replace(home + "/", "~/");
  }
}
