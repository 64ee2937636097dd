package org.lowrank.pipeline;

import org.lowrank.progress.ProgressListener;

/** Progress of a pipeline run: stage changes plus the progress of long steps inside a stage. */
public interface PipelineListener extends ProgressListener {

  /** A listener that ignores everything. */
  PipelineListener NONE = new PipelineListener() {};

  /** Stage {@code name} begins (read, analyze, plan, factorize, check, fine-tune, export, measure). */
  default void stage(String name) {}
}
