package org.lowrank.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.lowrank.progress.ProgressListener;

/**
 * Draws a {@link ProgressListener}'s steps on stderr. On a terminal: a one-line progress bar
 * redrawn at most every 100 ms. Elsewhere (CI logs, batch jobs, a pipe): one line per step at most
 * every {@link #LOG_INTERVAL_NANOS} (10 s), saying what is done, what is left and an estimate of
 * the time left (elapsed x left / done), plus one line per finished step. A unit of work that takes
 * longer (one big layer) gets a heartbeat: {@link #tick()}, called every second by a daemon timer,
 * repeats the last state marked "still working" once the interval has passed without a line, so a
 * step is never silent for longer than the interval. Calls may come from any thread.
 */
public final class ProgressBar implements ProgressListener {
  private static final int WIDTH = 30;

  /** Least time between two progress lines when the stream is not a terminal. */
  static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

  private final PrintStream out;
  private final boolean interactive;
  private final boolean quiet;
  private final LongSupplier clock;
  private String task = "";
  private long total = -1;
  private long startNanos;
  private long lastDrawNanos;
  private boolean active;
  private long lastDone;
  private String lastStatus = "";

  public ProgressBar(PrintStream out, boolean interactive, boolean quiet) {
    this(out, interactive, quiet, System::nanoTime);
  }

  /** A bar reading the time from {@code clock} (nanoseconds, as {@link System#nanoTime()}). */
  ProgressBar(PrintStream out, boolean interactive, boolean quiet, LongSupplier clock) {
    this.out = out;
    this.interactive = interactive;
    this.quiet = quiet;
    this.clock = clock;
  }

  /**
   * A bar on stderr, animated only when a console is attached; elsewhere with the heartbeat timer
   * (a daemon thread: it never keeps the JVM alive).
   */
  public static ProgressBar stderr(boolean quiet) {
    ProgressBar bar = new ProgressBar(System.err, System.console() != null, quiet);
    if (!quiet && !bar.interactive) {
      ScheduledExecutorService timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "lowrank-progress");
                t.setDaemon(true);
                return t;
              });
      timer.scheduleAtFixedRate(bar::tick, 1, 1, TimeUnit.SECONDS);
    }
    return bar;
  }

  /**
   * Off a terminal, while a step is running and no line came for the interval: the last state
   * again, marked "still working".
   */
  synchronized void tick() {
    if (quiet || interactive || !active) {
      return;
    }
    long now = clock.getAsLong();
    if (now - lastDrawNanos >= LOG_INTERVAL_NANOS) {
      lastDrawNanos = now;
      out.println(
          logLine(
              lastDone,
              lastStatus.isEmpty() ? "still working" : lastStatus + ", still working",
              now));
      out.flush();
    }
  }

  @Override
  public synchronized void start(String task, long total) {
    this.active = true;
    this.lastDone = 0;
    this.lastStatus = "";
    this.task = task;
    this.total = total;
    this.startNanos = clock.getAsLong();
    this.lastDrawNanos = startNanos;
    if (!quiet && interactive) {
      draw(0, "");
    }
  }

  @Override
  public synchronized void progress(long done, String status) {
    if (quiet) {
      return;
    }
    lastDone = done;
    lastStatus = status == null ? "" : status;
    long now = clock.getAsLong();
    if (now - lastDrawNanos < (interactive ? 100_000_000L : LOG_INTERVAL_NANOS)) {
      return;
    }
    lastDrawNanos = now;
    if (interactive) {
      draw(done, status);
    } else if (total > 0 && done >= total) {
      return; // finish() prints the step's last line
    } else {
      out.println(logLine(done, status, now));
      out.flush();
    }
  }

  /**
   * "factorize: 12/94 layers done (13%), 82 left, 40 s elapsed, about 4 min 33 s left; conv5": the
   * estimate assumes the remaining units take as long as the finished ones on average.
   */
  private String logLine(long done, String status, long now) {
    double secs = (now - startNanos) / 1e9;
    StringBuilder sb = new StringBuilder(task).append(": ").append(done);
    if (total > 0) {
      sb.append('/').append(total).append(" done");
      sb.append(
          String.format(Locale.ROOT, " (%.0f%%), %d left", 100.0 * done / total, total - done));
    } else {
      sb.append(" done");
    }
    sb.append(", ").append(duration(secs)).append(" elapsed");
    if (total > 0 && done > 0 && done <= total) {
      sb.append(", about ").append(duration(secs * (total - done) / done)).append(" left");
    }
    if (status != null && !status.isEmpty()) {
      sb.append("; ").append(status);
    }
    return sb.toString();
  }

  /** "7 s", "4 min 33 s", "2 h 05 min". */
  static String duration(double secs) {
    long s = Math.round(secs);
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return (s / 60) + " min " + (s % 60) + " s";
    }
    return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
  }

  @Override
  public synchronized void finish(String summary) {
    active = false;
    if (quiet) {
      return;
    }
    double secs = (clock.getAsLong() - startNanos) / 1e9;
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
