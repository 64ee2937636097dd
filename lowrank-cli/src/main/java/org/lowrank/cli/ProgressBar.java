package org.lowrank.cli;

import java.io.PrintStream;
import java.util.Locale;
import org.lowrank.progress.ProgressListener;

/**
 * Draws a {@link ProgressListener}'s steps as a one-line progress bar on a terminal stream
 * (stderr). Redraws at most every 100 ms; when the stream is not a terminal it prints one line per
 * finished step.
 */
public final class ProgressBar implements ProgressListener {
  private static final int WIDTH = 30;
  private final PrintStream out;
  private final boolean interactive;
  private final boolean quiet;
  private String task = "";
  private long total = -1;
  private long startNanos;
  private long lastDrawNanos;

  public ProgressBar(PrintStream out, boolean interactive, boolean quiet) {
    this.out = out;
    this.interactive = interactive;
    this.quiet = quiet;
  }

  /** A bar on stderr, animated only when a console is attached. */
  public static ProgressBar stderr(boolean quiet) {
    return new ProgressBar(System.err, System.console() != null, quiet);
  }

  @Override
  public void start(String task, long total) {
    this.task = task;
    this.total = total;
    this.startNanos = System.nanoTime();
    this.lastDrawNanos = 0;
    if (!quiet && interactive) {
      draw(0, "");
    }
  }

  @Override
  public void progress(long done, String status) {
    long now = System.nanoTime();
    if (quiet || !interactive || now - lastDrawNanos < 100_000_000L) {
      return;
    }
    lastDrawNanos = now;
    draw(done, status);
  }

  @Override
  public void finish(String summary) {
    if (quiet) {
      return;
    }
    double secs = (System.nanoTime() - startNanos) / 1e9;
    String line =
        String.format(
            Locale.ROOT,
            "%s done in %.1f s%s",
            task,
            secs,
            summary == null || summary.isEmpty() ? "" : " (" + summary + ")");
    out.print(interactive ? "\r\033[K" + line + "\n" : line + "\n");
    out.flush();
  }

  private void draw(long done, String status) {
    StringBuilder sb = new StringBuilder("\r\033[K").append(task).append(' ');
    if (total > 0) {
      int filled = (int) Math.min(WIDTH, done * WIDTH / total);
      sb.append('[').append("#".repeat(filled)).append(" ".repeat(WIDTH - filled)).append("] ");
      sb.append(done).append('/').append(total);
    } else {
      sb.append(done);
    }
    if (status != null && !status.isEmpty()) {
      sb.append("  ").append(status);
    }
    out.print(sb);
    out.flush();
  }
}
