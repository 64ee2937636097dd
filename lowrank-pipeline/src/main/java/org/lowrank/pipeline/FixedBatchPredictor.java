package org.lowrank.pipeline;

import java.util.Arrays;
import org.lowrank.train.data.Batch;
import org.lowrank.train.eval.Predictor;

/**
 * Runs a model whose batch is fixed at B on batches of any size: a batch is cut into chunks of B
 * images, a last, partial chunk of n &lt; B images is padded with zero images to B, and only its
 * first n rows of scores are kept, so every image is scored once and the counts stay exact.
 */
public final class FixedBatchPredictor implements Predictor {
  private final Predictor model;
  private final int batch;

  /**
   * @param model the predictor of the fixed-batch model
   * @param batch the model's batch B (&gt;= 1)
   */
  public FixedBatchPredictor(Predictor model, int batch) {
    if (batch < 1) {
      throw new IllegalArgumentException("fixed batch must be >= 1, found " + batch);
    }
    this.model = model;
    this.batch = batch;
  }

  /** {@code model} itself when the batch is free ({@code fixedBatch} empty), else padded. */
  public static Predictor of(Predictor model, java.util.OptionalInt fixedBatch) {
    return fixedBatch.isPresent() ? new FixedBatchPredictor(model, fixedBatch.getAsInt()) : model;
  }

  @Override
  public float[] logits(Batch b) {
    if (b.size() == batch) {
      return model.logits(b);
    }
    int image = b.channels() * b.height() * b.width();
    float[] out = null;
    int classes = 0;
    for (int start = 0; start < b.size(); start += batch) {
      int n = Math.min(batch, b.size() - start);
      Batch chunk =
          new Batch(
              Arrays.copyOfRange(b.data(), start * image, (start + batch) * image),
              batch,
              b.channels(),
              b.height(),
              b.width(),
              Arrays.copyOfRange(b.labels(), start, start + batch),
              Arrays.copyOfRange(b.indices(), start, start + batch));
      float[] scores = model.logits(chunk);
      if (out == null) {
        classes = scores.length / batch;
        out = new float[b.size() * classes];
      }
      System.arraycopy(scores, 0, out, start * classes, n * classes);
    }
    return out == null ? new float[0] : out;
  }
}
