package org.lowrank.train.finetune;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lowrank.graph.Model;
import org.lowrank.train.data.Batch;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.eval.EvaluationResult;
import org.lowrank.train.eval.Evaluator;
import org.lowrank.train.eval.ExecutorPredictor;
import org.lowrank.train.eval.ModelInputs;
import org.lowrank.train.exec.GraphExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One-shot fine-tuning of a whole model (e.g. after factorization) on labelled images, optionally
 * distilled from a teacher. Input: an IR {@link Model} with one image input and a logits output;
 * output: a {@link FineTuneResult} whose models can be written with the ONNX writer.
 */
public final class FineTuner {
  private static final Logger LOG = LoggerFactory.getLogger(FineTuner.class);

  /** Non-finite steps in a row after which fine-tuning stops: the run diverged. */
  static final int MAX_CONSECUTIVE_SKIPS = 10;

  private FineTuner() {}

  /** Fine-tunes {@code student} on {@code train}. */
  public static FineTuneResult run(Model student, DataLoader train, FineTuneConfig cfg) {
    try (GraphExecutor ex = GraphExecutor.of(student)) {
      return run(ex, train, cfg);
    }
  }

  /** Fine-tunes the parameters held by {@code student} in place (they stay trained afterwards). */
  public static FineTuneResult run(GraphExecutor student, DataLoader train, FineTuneConfig cfg) {
    ModelInputs.check(student, train.dataset());
    if (cfg.validation() != null) {
      ModelInputs.check(student, cfg.validation().dataset());
    }
    String input = student.inputNames().get(0);
    String output = student.outputNames().get(0);
    GraphExecutor teacher = null;
    try (ParameterUpdater updater = new ParameterUpdater(cfg, student)) {
      List<String> studentTaps = new ArrayList<>();
      List<String> teacherTaps = new ArrayList<>();
      if (cfg.teacher() != null) {
        teacher = GraphExecutor.builder(cfg.teacher()).optTrainable(n -> false).build();
        ModelInputs.check(teacher, train.dataset());
        for (LayerPair p : cfg.layerPairs()) {
          requireTensor(student, p.student(), "student");
          requireTensor(teacher, p.teacher(), "teacher");
          studentTaps.add(p.student());
          teacherTaps.add(p.teacher());
        }
      }
      Engine.getInstance().setRandomSeed((int) cfg.seed());
      int perEpoch = train.batchesPerEpoch();
      long total = cfg.steps() > 0 ? cfg.steps() : (long) cfg.epochs() * perEpoch;
      long warm = cfg.warmupSteps() >= 0 ? cfg.warmupSteps() : Math.round(cfg.warmupFraction() * total);
      LearningRateSchedule schedule = new LearningRateSchedule(
          cfg.learningRate(), cfg.minLearningRate(), warm, total, cfg.cosine());
      long start = System.nanoTime();
      long step = 0;
      long skipped = 0;
      int consecutiveSkips = 0;
      int epoch = 0;
      Model best = null;
      int bestEpoch = -1;
      double bestTop1 = Double.NaN;
      List<FineTuneListener.EpochEvent> history = new ArrayList<>();
      while (step < total) {
        long epochStart = System.nanoTime();
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        Iterator<Batch> it = train.epoch(epoch);
        while (it.hasNext() && step < total) {
          Batch b = it.next();
          long t0 = System.nanoTime();
          StepStats s = trainStep(student, teacher, updater, b, input, output, studentTaps, teacherTaps,
              cfg, schedule.at(step));
          step++;
          if (Double.isFinite(s.loss)) {
            lossSum += s.loss * b.size();
            correct += s.correct;
            seen += b.size();
          }
          double ips = b.size() / ((System.nanoTime() - t0) / 1e9);
          cfg.listener().onStep(new FineTuneListener.StepEvent(epoch, step, total, s.loss, s.crossEntropy,
              (double) s.correct / b.size(), schedule.at(step - 1), s.gradNorm, ips));
          if (!Double.isFinite(s.loss) || !Double.isFinite(s.gradNorm)) {
            // the update was skipped; a run of them means divergence, not one overflowing batch
            skipped++;
            consecutiveSkips++;
            LOG.warn("step {} (epoch {}): loss {}, gradient norm {}: update skipped ({} so far)", step,
                epoch, s.loss, s.gradNorm, skipped);
            if (consecutiveSkips >= MAX_CONSECUTIVE_SKIPS) {
              throw new IllegalStateException(
                  "loss became " + s.loss + " at step " + step + " (epoch " + epoch + ") and stayed "
                      + "non-finite for " + consecutiveSkips + " steps; lower the learning rate (now "
                      + schedule.at(step - 1) + ")" + (cfg.gradientClipNorm() > 0
                          ? " or the gradient clip norm (now " + cfg.gradientClipNorm() + ")"
                          : " or enable gradient clipping"));
            }
          } else {
            consecutiveSkips = 0;
          }
        }
        EvaluationResult val = null;
        boolean isBest = false;
        if (cfg.validation() != null) {
          val = Evaluator.evaluate(new ExecutorPredictor(student), cfg.validation());
          if (best == null || val.top1() > bestTop1) {
            best = student.exportWeights();
            bestTop1 = val.top1();
            bestEpoch = epoch;
            isBest = true;
          }
        }
        FineTuneListener.EpochEvent ev = new FineTuneListener.EpochEvent(epoch, step, lossSum / seen,
            (double) correct / seen, val, isBest, (System.nanoTime() - epochStart) / 1e9);
        history.add(ev);
        LOG.info("epoch {}: {} steps, train loss {}, train top-1 {}{}", epoch, step,
            String.format("%.4f", ev.trainLoss()), String.format("%.4f", ev.trainTop1()),
            val == null ? "" : String.format(", validation top-1 %.4f", val.top1()));
        cfg.listener().onEpoch(ev);
        epoch++;
      }
      Model last = student.exportWeights();
      return new FineTuneResult(best == null ? last : best, last, bestEpoch, bestTop1, history, step,
          (System.nanoTime() - start) / 1e9);
    } finally {
      if (teacher != null) {
        teacher.close();
      }
    }
  }

  private static void requireTensor(GraphExecutor ex, String name, String role) {
    if (!ex.hasTensor(name)) {
      throw new IllegalArgumentException(
          "layer matching: the " + role + " model has no tensor named '" + name + "'");
    }
  }

  private record StepStats(double loss, double crossEntropy, long correct, double gradNorm) {}

  private static StepStats trainStep(
      GraphExecutor student, GraphExecutor teacher, ParameterUpdater updater, Batch b, String input,
      String output, List<String> studentTaps, List<String> teacherTaps, FineTuneConfig cfg, double lr) {
    try (NDManager m = student.manager().newSubManager()) {
      NDArray x = m.create(b.data(), new Shape(b.shape()));
      Map<String, NDArray> teacherOut = null;
      if (teacher != null) {
        Set<String> want = new LinkedHashSet<>(teacherTaps);
        want.add(teacher.outputNames().get(0));
        teacherOut = teacher.featureMaps(m, Map.of(teacher.inputNames().get(0), x), want);
      }
      NDArray logits;
      NDArray loss;
      NDArray ce;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        Map<String, NDArray> out = student.forward(m, Map.of(input, x), true, studentTaps);
        logits = out.get(output);
        int n = b.size();
        int k = (int) (logits.size() / n);
        float[] oneHot = new float[n * k];
        for (int i = 0; i < n; i++) {
          if (b.labels()[i] >= k) {
            throw new IllegalArgumentException(
                "label " + b.labels()[i] + " but the model outputs " + k + " classes");
          }
          oneHot[i * k + b.labels()[i]] = 1f;
        }
        NDArray logits2 = logits.reshape(n, k);
        ce = logits2.logSoftmax(1).mul(m.create(oneHot, new Shape(n, k))).sum().neg().div((float) n);
        loss = cfg.kdWeight() > 0 ? ce.mul((float) (1 - cfg.kdWeight())) : ce;
        if (teacher != null && cfg.kdWeight() > 0) {
          float temp = (float) cfg.temperature();
          NDArray tl = teacherOut.get(teacher.outputNames().get(0)).reshape(n, k).div(temp);
          NDArray logPt = tl.logSoftmax(1);
          NDArray kl = logPt.exp().mul(logPt.sub(logits2.div(temp).logSoftmax(1))).sum().div((float) n);
          loss = loss.add(kl.mul((float) (cfg.kdWeight() * temp * temp)));
        }
        for (int i = 0; i < studentTaps.size(); i++) {
          NDArray s = out.get(studentTaps.get(i));
          NDArray d = teacherOut.get(teacherTaps.get(i));
          if (!s.getShape().equals(d.getShape())) {
            throw new IllegalArgumentException(
                "layer matching pair " + studentTaps.get(i) + " / " + teacherTaps.get(i) + ": shapes "
                    + s.getShape() + " and " + d.getShape() + " differ");
          }
          loss = loss.add(s.sub(d).square().mean().mul((float) cfg.layerWeight()));
        }
        gc.backward(loss);
      }
      double gradNorm = updater.step(m, lr);
      student.zeroGradients();
      float[] lg = logits.toFloatArray();
      int n = b.size();
      int k = lg.length / n;
      long correct = 0;
      for (int i = 0; i < n; i++) {
        int arg = 0;
        for (int j = 1; j < k; j++) {
          if (lg[i * k + j] > lg[i * k + arg]) {
            arg = j;
          }
        }
        correct += arg == b.labels()[i] ? 1 : 0;
      }
      return new StepStats(loss.getFloat(), ce.getFloat(), correct, gradNorm);
    }
  }
}
