package org.lowrank.pipeline;

import org.lowrank.progress.ProgressListener;

/** Progress of a pipeline run: stage changes plus the progress of long steps inside a stage. */
public interface PipelineListener extends ProgressListener {

  /** A listener that ignores everything. */
  PipelineListener NONE = new PipelineListener() {};

  /**
   * {@code stage} begins (stages run in {@link Stage} order; some are skipped, evaluate repeats).
   * By default passes the stage's label to {@link #stage(String)}, so listeners written against it
   * keep working.
   */
  default void stage(Stage stage) {
    stage(stage.label());
  }

  /**
   * Stage {@code name} ({@link Stage#label()}) begins.
   *
   * @deprecated override {@link #stage(Stage)}
   */
  @Deprecated
  default void stage(String name) {}
}
