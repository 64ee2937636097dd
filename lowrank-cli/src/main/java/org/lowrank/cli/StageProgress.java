package org.lowrank.cli;

import java.io.PrintStream;
import org.lowrank.pipeline.PipelineListener;
import org.lowrank.pipeline.Stage;

/** Shows pipeline stages and their progress bars on stderr. */
final class StageProgress implements PipelineListener {
  private final ProgressBar bar;
  private final PrintStream err;
  private final boolean quiet;

  StageProgress(ProgressBar bar, PrintStream err, boolean quiet) {
    this.bar = bar;
    this.err = err;
    this.quiet = quiet;
  }

  @Override
  public void stage(Stage stage) {
    announce(stage.label());
  }

  /** Announces a step that is not a pipeline stage (e.g. the demo model's training). */
  void announce(String name) {
    if (!quiet) {
      err.println("== " + name);
    }
  }

  @Override
  public void start(String task, long total) {
    bar.start(task, total);
  }

  @Override
  public void progress(long done, String status) {
    bar.progress(done, status);
  }

  @Override
  public void finish(String summary) {
    bar.finish(summary);
  }
}
