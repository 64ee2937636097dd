package org.lowrank.train.eval;

import java.util.Iterator;
import java.util.function.IntConsumer;
import org.lowrank.train.data.Batch;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.Datasets;

/**
 * Top-1 / top-5 accuracy, loss and model agreement over a {@link DataLoader} epoch. An example
 * whose scores hold a NaN or an infinity is a wrong prediction (and is counted as non-finite):
 * comparisons with NaN are false, so ranking such scores naively would call a diverged model always
 * right.
 */
public final class Evaluator {
  private Evaluator() {}

  /** Evaluates {@code model} on one pass of {@code data} (epoch 0 order). */
  public static EvaluationResult evaluate(Predictor model, DataLoader data) {
    return evaluate(model, data, b -> {});
  }

  /**
   * As {@link #evaluate(Predictor, DataLoader)}; {@code progress} receives the number of batches
   * done after each batch.
   */
  public static EvaluationResult evaluate(Predictor model, DataLoader data, IntConsumer progress) {
    long n = 0;
    long top1 = 0;
    long top5 = 0;
    long nonFinite = 0;
    double loss = 0;
    int done = 0;
    Iterator<Batch> it = data.epoch(0);
    while (it.hasNext()) {
      Batch b = it.next();
      float[] logits = model.logits(b);
      int k = classes(logits, b);
      if (done == 0) {
        Datasets.requireClassCount(data.dataset(), k);
      }
      for (int i = 0; i < b.size(); i++) {
        int label = b.labels()[i];
        if (label >= k) {
          throw new IllegalArgumentException(
              "label " + label + " but the model outputs only " + k + " classes");
        }
        int off = i * k;
        float target = logits[off + label];
        loss += logSumExp(logits, off, k) - target;
        if (!allFinite(logits, off, k)) {
          nonFinite++;
          continue;
        }
        int rank = 0;
        for (int j = 0; j < k; j++) {
          float v = logits[off + j];
          if (v > target || (v == target && j < label)) {
            rank++;
          }
        }
        top1 += rank == 0 ? 1 : 0;
        top5 += rank < 5 ? 1 : 0;
      }
      n += b.size();
      progress.accept(++done);
    }
    return new EvaluationResult(n, (double) top1 / n, (double) top5 / n, loss / n, nonFinite);
  }

  /** Agreement of {@code candidate} with {@code reference} (labels ignored). */
  public static AgreementResult agreement(
      Predictor reference, Predictor candidate, DataLoader data) {
    long n = 0;
    long same = 0;
    long nonFinite = 0;
    double kl = 0;
    Iterator<Batch> it = data.epoch(0);
    while (it.hasNext()) {
      Batch b = it.next();
      float[] r = reference.logits(b);
      float[] c = candidate.logits(b);
      int k = classes(r, b);
      if (c.length != r.length) {
        throw new IllegalArgumentException(
            "models disagree on the number of classes: " + k + " vs " + c.length / b.size());
      }
      for (int i = 0; i < b.size(); i++) {
        int off = i * k;
        int rc = predictedClass(r, off, k);
        int cc = predictedClass(c, off, k);
        same += rc >= 0 && rc == cc ? 1 : 0;
        nonFinite += rc < 0 || cc < 0 ? 1 : 0;
        double lr = logSumExp(r, off, k);
        double lc = logSumExp(c, off, k);
        for (int j = 0; j < k; j++) {
          double lp = r[off + j] - lr;
          kl += Math.exp(lp) * (lp - (c[off + j] - lc));
        }
      }
      n += b.size();
    }
    return new AgreementResult(n, (double) same / n, kl / n, nonFinite);
  }

  private static int classes(float[] logits, Batch b) {
    if (logits.length % b.size() != 0) {
      throw new IllegalArgumentException(
          "model returned " + logits.length + " scores for a batch of " + b.size());
    }
    return logits.length / b.size();
  }

  /**
   * The arg-max class of the scores {@code v[off, off + k)}, or -1 when one of them is NaN or
   * infinite (such an example has no prediction). Ties go to the lower class.
   */
  public static int predictedClass(float[] v, int off, int k) {
    return allFinite(v, off, k) ? argMax(v, off, k) : -1;
  }

  private static boolean allFinite(float[] v, int off, int k) {
    for (int j = 0; j < k; j++) {
      if (!Float.isFinite(v[off + j])) {
        return false;
      }
    }
    return true;
  }

  static int argMax(float[] v, int off, int k) {
    int best = 0;
    for (int j = 1; j < k; j++) {
      if (v[off + j] > v[off + best]) {
        best = j;
      }
    }
    return best;
  }

  static double logSumExp(float[] v, int off, int k) {
    double m = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < k; j++) {
      m = Math.max(m, v[off + j]);
    }
    double s = 0;
    for (int j = 0; j < k; j++) {
      s += Math.exp(v[off + j] - m);
    }
    return m + Math.log(s);
  }
}
