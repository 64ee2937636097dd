package org.lowrank.train.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.ImageDataset;

class EvaluatorTest {

  static ImageDataset labelled(int n, int classes) {
    return new ImageDataset() {
      public int size() {
        return n;
      }

      public int channels() {
        return 1;
      }

      public int height() {
        return 1;
      }

      public int width() {
        return 1;
      }

      public List<String> classNames() {
        return java.util.Collections.nCopies(classes, "c");
      }

      public Example get(int i) {
        return new Example(new byte[] {(byte) i}, i % classes);
      }

      public String description() {
        return "labelled";
      }
    };
  }

  @Test
  void topKAndLossMatchHandComputation() {
    int k = 6;
    DataLoader data = DataLoader.builder(labelled(12, k)).setBatchSize(5).build();
    // scores: class j gets j, except the label gets a rank that depends on the example
    Predictor p =
        b -> {
          float[] out = new float[b.size() * k];
          for (int i = 0; i < b.size(); i++) {
            int idx = b.indices()[i];
            int label = b.labels()[i];
            for (int j = 0; j < k; j++) {
              out[i * k + j] = j == label ? 0f : 1f; // label ranked last
            }
            if (idx % 2 == 0) {
              out[i * k + label] = 2f; // label ranked first for even examples
            }
          }
          return out;
        };
    EvaluationResult r = Evaluator.evaluate(p, data);
    assertEquals(12, r.examples());
    assertEquals(0.5, r.top1(), 1e-12);
    assertEquals(0.5, r.top5(), 1e-12); // odd examples: label is 6th of 6
    double lossFirst = Math.log(Math.exp(2) + 5 * Math.E) - 2;
    double lossLast = Math.log(1 + 5 * Math.E) - 0;
    assertEquals((lossFirst + lossLast) / 2, r.meanLoss(), 1e-6);
    AgreementResult a = Evaluator.agreement(p, p, data);
    assertEquals(1.0, a.top1Agreement(), 1e-12);
    assertEquals(0.0, a.meanKl(), 1e-9);
  }

  /**
   * A predictor whose scores hold {@code bad} for every example with an even index, else are clean.
   */
  private static Predictor poisoned(int k, float bad) {
    return b -> {
      float[] out = new float[b.size() * k];
      for (int i = 0; i < b.size(); i++) {
        out[i * k + b.labels()[i]] = 1f; // clean examples are all correct
        if (b.indices()[i] % 2 == 0) {
          out[i * k + (b.labels()[i] + 1) % k] = bad;
        }
      }
      return out;
    };
  }

  @Test
  void nonFiniteScoresAreWrongPredictionsAndAreCounted() {
    int k = 4;
    DataLoader data = DataLoader.builder(labelled(10, k)).setBatchSize(4).build();
    Predictor nan =
        b -> {
          float[] out = new float[b.size() * k];
          java.util.Arrays.fill(out, Float.NaN);
          return out;
        };
    EvaluationResult r = Evaluator.evaluate(nan, data);
    assertEquals(0.0, r.top1(), 0.0, "a model that outputs NaN predicts nothing");
    assertEquals(0.0, r.top5(), 0.0);
    assertEquals(10, r.nonFinite());
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
      EvaluationResult half = Evaluator.evaluate(poisoned(k, bad), data);
      assertEquals(0.5, half.top1(), 1e-12, "scores with " + bad);
      assertEquals(5, half.nonFinite());
      AgreementResult a = Evaluator.agreement(poisoned(k, 0f), poisoned(k, bad), data);
      assertEquals(0.5, a.top1Agreement(), 1e-12, "agreement with " + bad);
      assertEquals(5, a.nonFinite());
    }
    AgreementResult self = Evaluator.agreement(nan, nan, data);
    assertEquals(0.0, self.top1Agreement(), 0.0, "two NaN models do not agree");
    assertTrue(Evaluator.evaluate(poisoned(k, 0f), data).nonFinite() == 0);
  }
}
