package org.lowrank.pipeline;

import org.lowrank.progress.ProgressListener;

/** Progress of a pipeline run: stage changes plus the progress of long steps inside a stage. */
public interface PipelineListener extends ProgressListener {

  /** A listener that ignores everything. */
  PipelineListener NONE = new PipelineListener() {};

  /** {@code stage} begins (stages run in {@link Stage} order; some are skipped, evaluate repeats). */
  default void stage(Stage stage) {}
}
