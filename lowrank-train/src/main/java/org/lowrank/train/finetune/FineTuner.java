package org.lowrank.train.finetune;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.lowrank.graph.Model;
import org.lowrank.train.data.Batch;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.eval.EvaluationResult;
import org.lowrank.train.eval.Evaluator;
import org.lowrank.train.eval.ExecutorPredictor;
import org.lowrank.train.eval.ModelInputs;
import org.lowrank.train.exec.DataParallel;
import org.lowrank.train.exec.DeviceChoice;
import org.lowrank.train.exec.GraphExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One-shot fine-tuning of a whole model (e.g. after factorization) on labelled images, optionally
 * distilled from a teacher. Input: an IR {@link Model} with one image input and a logits output;
 * output: a {@link FineTuneResult} whose models can be written with the ONNX writer.
 *
 * <p>Fine-tuning never makes a model worse silently: {@link #run(Model, DataLoader,
 * FineTuneConfig)} keeps the best checkpoint on the validation data, retries a diverged run (its
 * loss stayed non-finite or exploded, or its validation top-1 collapsed) once from the
 * pre-fine-tune weights at {@link #RETRY_LEARNING_RATE_FACTOR} times the learning rate, and returns
 * the pre-fine-tune model when both runs diverged or when validation top-1 fell; each of these is a
 * {@link FineTuneWarning} in the result, logged and sent to the listener.
 */
public final class FineTuner {
  private static final Logger LOG = LoggerFactory.getLogger(FineTuner.class);

  /** Non-finite steps in a row after which fine-tuning stops: the run diverged. */
  static final int MAX_CONSECUTIVE_SKIPS = 10;

  /** Last finite steps whose median loss the loss-explosion check reads. */
  static final int LOSS_WINDOW = 10;

  /**
   * The run diverged when the median loss of the last {@link #LOSS_WINDOW} finite steps exceeds
   * this factor times max(loss of the first finite step, ln K) for K classes. The first step's loss
   * is the untrained model's; ln K is the loss of a uniform guess, so a model that starts nearly
   * perfect may still wobble; the median ignores a few spikes.
   */
  static final double LOSS_EXPLOSION_FACTOR = 10;

  /** A diverged run is retried once at this fraction of the learning rate. */
  public static final double RETRY_LEARNING_RATE_FACTOR = 0.1;

  private FineTuner() {}

  /**
   * Fine-tunes a copy of {@code student} (not modified) on {@code train}, with the safety net
   * described in the class comment.
   */
  public static FineTuneResult run(Model student, DataLoader train, FineTuneConfig cfg) {
    long start = System.nanoTime();
    Warnings warnings = new Warnings(cfg.listener());
    EvaluationResult before = null;
    Attempt a;
    try (GraphExecutor ex = executor(student, cfg)) {
      checkInputs(ex, train, cfg);
      if (cfg.validation() != null) {
        before = Evaluator.evaluate(new ExecutorPredictor(ex), cfg.validation());
        LOG.info(
            "validation top-1 before fine-tuning: {} ({} images)",
            percent(before.top1()),
            before.examples());
      }
      a = attempt(ex, train, cfg, collapseBelow(before, cfg));
    }
    long steps = a.steps;
    FineTuneConfig used = cfg;
    boolean retried = false;
    if (a.divergence != null) {
      warnings.add(FineTuneWarning.Kind.DIVERGED, a.divergence);
      if (cfg.retryOnDivergence()) {
        used = cfg.withLearningRateScaled(RETRY_LEARNING_RATE_FACTOR);
        retried = true;
        warnings.add(
            FineTuneWarning.Kind.RETRIED,
            String.format(
                Locale.ROOT,
                "fine-tuning again from the pre-fine-tune weights at learning rate %.3g (%.3g x %.3g)",
                used.learningRate(),
                RETRY_LEARNING_RATE_FACTOR,
                cfg.learningRate()));
        try (GraphExecutor ex = executor(student, used)) {
          a = attempt(ex, train, used, collapseBelow(before, cfg));
        }
        steps += a.steps;
        if (a.divergence != null) {
          warnings.add(FineTuneWarning.Kind.DIVERGED, "the retry diverged too: " + a.divergence);
        }
      }
    }
    boolean keepOriginal = false;
    if (a.divergence != null) {
      keepOriginal = true;
      warnings.add(
          FineTuneWarning.Kind.KEPT_ORIGINAL,
          "fine-tuning diverged"
              + (retried ? " twice" : "")
              + ": returning the model as it was before fine-tuning");
    } else if (before != null && cfg.keepOriginalIfWorse() && a.bestTop1 < before.top1()) {
      keepOriginal = true;
      warnings.add(
          FineTuneWarning.Kind.KEPT_ORIGINAL,
          String.format(
              Locale.ROOT,
              "validation top-1 fell from %s before fine-tuning to %s at the best checkpoint (step %d of "
                  + "%d): returning the model as it was before fine-tuning",
              percent(before.top1()),
              percent(a.bestTop1),
              a.bestStep,
              a.steps));
    }
    if (before != null && !keepOriginal) {
      LOG.info(
          "validation top-1 {} before fine-tuning, {} at the best checkpoint (step {} of {})",
          percent(before.top1()),
          percent(a.bestTop1),
          a.bestStep,
          a.steps);
    }
    Model chosen = keepOriginal ? student : a.best != null ? a.best : a.last;
    return new FineTuneResult(
        chosen,
        a.last,
        a.bestEpoch,
        a.bestTop1,
        a.history,
        steps,
        (System.nanoTime() - start) / 1e9,
        before == null ? Double.NaN : before.top1(),
        a.bestStep,
        keepOriginal,
        retried,
        used.learningRate(),
        a.validations,
        warnings.list);
  }

  /**
   * Fine-tunes the parameters held by {@code student} in place (they stay trained afterwards): one
   * run, without the retry or the fall-back to the pre-fine-tune model; with validation data the
   * result's {@code model} is the best checkpoint.
   *
   * @throws IllegalStateException when the run diverges
   */
  public static FineTuneResult run(GraphExecutor student, DataLoader train, FineTuneConfig cfg) {
    long start = System.nanoTime();
    checkInputs(student, train, cfg);
    Attempt a = attempt(student, train, cfg, 0);
    if (a.divergence != null) {
      throw new IllegalStateException(a.divergence);
    }
    return new FineTuneResult(
        a.best != null ? a.best : a.last,
        a.last,
        a.bestEpoch,
        a.bestTop1,
        a.history,
        a.steps,
        (System.nanoTime() - start) / 1e9,
        Double.NaN,
        a.bestStep,
        false,
        false,
        cfg.learningRate(),
        a.validations,
        List.of());
  }

  private static void checkInputs(GraphExecutor student, DataLoader train, FineTuneConfig cfg) {
    ModelInputs.check(student, train.dataset());
    if (cfg.validation() != null) {
      ModelInputs.check(student, cfg.validation().dataset());
    }
  }

  private static String percent(double top1) {
    return String.format(Locale.ROOT, "%.2f%%", 100 * top1);
  }

  /** Warnings of one {@link #run(Model, DataLoader, FineTuneConfig)}: kept, logged and sent on. */
  private static final class Warnings {
    final List<FineTuneWarning> list = new ArrayList<>();
    final FineTuneListener listener;

    Warnings(FineTuneListener listener) {
      this.listener = listener;
    }

    void add(FineTuneWarning.Kind kind, String message) {
      FineTuneWarning w = new FineTuneWarning(kind, message);
      list.add(w);
      LOG.warn("fine-tuning: {}", w);
      listener.onWarning(w);
    }
  }

  /**
   * One training run on {@code student}'s parameters.
   *
   * @param best the best checkpoint by validation top-1, null without validation data
   * @param divergence why the run stopped early, null when it finished
   */
  private record Attempt(
      Model best,
      Model last,
      int bestEpoch,
      long bestStep,
      double bestTop1,
      List<FineTuneListener.EpochEvent> history,
      List<FineTuneResult.ValidationPoint> validations,
      long steps,
      String divergence) {}

  /**
   * Watches the training loss for divergence: {@link #MAX_CONSECUTIVE_SKIPS} non-finite steps in a
   * row, or a loss explosion ({@link #LOSS_EXPLOSION_FACTOR}).
   */
  private static final class DivergenceMonitor {
    private final FineTuneConfig cfg;
    private final ArrayDeque<Double> window = new ArrayDeque<>();
    private double reference = Double.NaN;
    private int consecutiveSkips;
    private long skipped;

    DivergenceMonitor(FineTuneConfig cfg) {
      this.cfg = cfg;
    }

    /** Records a step; returns why the run diverged, or null. */
    String observe(StepStats s, long step, int epoch, double lr) {
      if (!Double.isFinite(s.loss) || !Double.isFinite(s.gradNorm)) {
        // the update was skipped; a run of them means divergence, not one overflowing batch
        skipped++;
        consecutiveSkips++;
        LOG.warn(
            "step {} (epoch {}): loss {}, gradient norm {}: update skipped ({} so far)",
            step,
            epoch,
            s.loss,
            s.gradNorm,
            skipped);
        if (consecutiveSkips < MAX_CONSECUTIVE_SKIPS) {
          return null;
        }
        return "loss became "
            + s.loss
            + " at step "
            + step
            + " (epoch "
            + epoch
            + ") and stayed "
            + "non-finite for "
            + consecutiveSkips
            + " steps; lower the learning rate (now "
            + String.format(Locale.ROOT, "%.3g", lr)
            + ")"
            + (cfg.gradientClipNorm() > 0
                ? " or the gradient clip norm (now " + cfg.gradientClipNorm() + ")"
                : " or enable gradient clipping");
      }
      consecutiveSkips = 0;
      if (Double.isNaN(reference)) {
        reference = Math.max(s.loss, Math.log(s.classes));
      }
      window.addLast(s.loss);
      if (window.size() > LOSS_WINDOW) {
        window.removeFirst();
      }
      if (window.size() < LOSS_WINDOW) {
        return null;
      }
      double median = window.stream().sorted().skip(LOSS_WINDOW / 2).findFirst().orElseThrow();
      if (median <= LOSS_EXPLOSION_FACTOR * reference) {
        return null;
      }
      return String.format(
          Locale.ROOT,
          "the training loss exploded: median %.4g over the last %d "
              + "steps at step %d (epoch %d), above %.0f x %.4g (the first step's loss, at least ln %d); "
              + "lower the learning rate (now %.3g) or the distillation weights",
          median,
          LOSS_WINDOW,
          step,
          epoch,
          LOSS_EXPLOSION_FACTOR,
          reference,
          s.classes,
          lr);
    }
  }

  /** Validation top-1 under which a run has collapsed (0 = never): see optCollapseFraction. */
  private static double collapseBelow(EvaluationResult before, FineTuneConfig cfg) {
    return before == null ? 0 : cfg.collapseFraction() * before.top1();
  }

  /**
   * One run.
   *
   * @param collapseBelow a validation top-1 below this ends the run as diverged (0 = never)
   */
  private static Attempt attempt(
      GraphExecutor student, DataLoader train, FineTuneConfig cfg, double collapseBelow) {
    String input = student.inputNames().get(0);
    String output = student.outputNames().get(0);
    List<GraphExecutor> teachers = new ArrayList<>();
    WeightDistillation weights = null;
    try (ParameterUpdater updater = new ParameterUpdater(cfg, student);
        DataParallel replicas = DataParallel.of(student, moreDevices(cfg))) {
      if (replicas.size() > 1) {
        LOG.info("data-parallel fine-tuning: {} replicas on {}", replicas.size(), cfg.devices());
      }
      List<String> studentTaps = new ArrayList<>();
      List<String> teacherTaps = new ArrayList<>();
      if (cfg.teacher() != null && cfg.weightDistillation() > 0 && !cfg.weightPairs().isEmpty()) {
        weights = WeightDistillation.of(student, cfg.teacher(), cfg.weightPairs());
        WeightDistillation w = weights;
        double start =
            GraphExecutor.withoutGradients(
                () -> {
                  try (NDManager m = student.manager().newSubManager()) {
                    return (double) w.loss(m).getFloat();
                  }
                });
        LOG.info(
            "weight distillation on {} of {} layers, weight {}, term before fine-tuning {}",
            weights.layers(),
            cfg.weightPairs().size(),
            cfg.weightDistillation(),
            String.format(Locale.ROOT, "%.4g", start));
      }
      // the teacher runs every step: only when a loss term reads its outputs
      if (cfg.teacher() != null && (cfg.kdWeight() > 0 || !cfg.layerPairs().isEmpty())) {
        for (GraphExecutor r : replicas.replicas()) {
          teachers.add(
              GraphExecutor.builder(cfg.teacher())
                  .optTrainable(n -> false)
                  .optDevice(r.manager().getDevice())
                  .build());
        }
        GraphExecutor teacher = teachers.get(0);
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
      long warm =
          cfg.warmupSteps() >= 0 ? cfg.warmupSteps() : Math.round(cfg.warmupFraction() * total);
      LearningRateSchedule schedule =
          new LearningRateSchedule(
              cfg.learningRate(), cfg.minLearningRate(), warm, total, cfg.cosine());
      DivergenceMonitor monitor = new DivergenceMonitor(cfg);
      Checkpoints checkpoints = new Checkpoints(student, cfg);
      long step = 0;
      int epoch = 0;
      String divergence = null;
      List<FineTuneListener.EpochEvent> history = new ArrayList<>();
      while (step < total && divergence == null) {
        long epochStart = System.nanoTime();
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        Iterator<Batch> it = train.epoch(epoch);
        while (it.hasNext() && step < total) {
          Batch b = it.next();
          long t0 = System.nanoTime();
          double lr = schedule.at(step);
          StepStats s =
              trainStep(
                  replicas,
                  teachers,
                  weights,
                  updater,
                  b,
                  input,
                  output,
                  studentTaps,
                  teacherTaps,
                  cfg,
                  lr);
          step++;
          if (Double.isFinite(s.loss)) {
            lossSum += s.loss * b.size();
            correct += s.correct;
            seen += b.size();
          }
          double ips = b.size() / ((System.nanoTime() - t0) / 1e9);
          cfg.listener()
              .onStep(
                  new FineTuneListener.StepEvent(
                      epoch,
                      step,
                      total,
                      s.loss,
                      s.crossEntropy,
                      (double) s.correct / b.size(),
                      lr,
                      s.gradNorm,
                      ips));
          divergence = monitor.observe(s, step, epoch, lr);
          if (divergence != null) {
            break;
          }
          if (cfg.validationInterval() > 0
              && step % cfg.validationInterval() == 0
              && step < total) {
            divergence =
                collapse(checkpoints.validate(epoch, step), collapseBelow, step, epoch, lr);
            if (divergence != null) {
              break;
            }
          }
        }
        if (divergence != null) {
          break;
        }
        EvaluationResult val = checkpoints.validate(epoch, step);
        if (step < total) {
          divergence = collapse(val, collapseBelow, step, epoch, schedule.at(step - 1));
        }
        FineTuneListener.EpochEvent ev =
            new FineTuneListener.EpochEvent(
                epoch,
                step,
                lossSum / seen,
                (double) correct / seen,
                val,
                val != null && checkpoints.bestStep == step,
                (System.nanoTime() - epochStart) / 1e9);
        history.add(ev);
        LOG.info(
            "epoch {}: {} steps, train loss {}, train top-1 {}{}",
            epoch,
            step,
            String.format(Locale.ROOT, "%.4f", ev.trainLoss()),
            String.format(Locale.ROOT, "%.4f", ev.trainTop1()),
            val == null ? "" : String.format(Locale.ROOT, ", validation top-1 %.4f", val.top1()));
        cfg.listener().onEpoch(ev);
        epoch++;
      }
      return new Attempt(
          checkpoints.best,
          student.exportWeights(),
          checkpoints.bestEpoch,
          checkpoints.bestStep,
          checkpoints.bestTop1,
          history,
          checkpoints.points,
          step,
          divergence);
    } finally {
      for (GraphExecutor t : teachers) {
        t.close();
      }
      if (weights != null) {
        weights.close();
      }
    }
  }

  /** Why the run collapsed when validation top-1 is below {@code threshold}, else null. */
  private static String collapse(
      EvaluationResult val, double threshold, long step, int epoch, double lr) {
    if (val == null || val.top1() >= threshold) {
      return null;
    }
    return String.format(
        Locale.ROOT,
        "validation top-1 collapsed to %s at step %d (epoch %d), "
            + "below %s; lower the learning rate (now %.3g) or the distillation weights",
        percent(val.top1()),
        step,
        epoch,
        percent(threshold),
        lr);
  }

  /** Validation of one run: every evaluation, and the weights of the best one. */
  private static final class Checkpoints {
    final GraphExecutor student;
    final FineTuneConfig cfg;
    final List<FineTuneResult.ValidationPoint> points = new ArrayList<>();
    Model best;
    int bestEpoch = -1;
    long bestStep = -1;
    double bestTop1 = Double.NaN;
    private long lastStep = -1;
    private EvaluationResult last;

    Checkpoints(GraphExecutor student, FineTuneConfig cfg) {
      this.student = student;
      this.cfg = cfg;
    }

    /** Evaluates the validation data at {@code step} (once per step); null without validation. */
    EvaluationResult validate(int epoch, long step) {
      if (cfg.validation() == null) {
        return null;
      }
      if (step == lastStep) {
        return last;
      }
      EvaluationResult r = Evaluator.evaluate(new ExecutorPredictor(student), cfg.validation());
      boolean isBest = best == null || r.top1() > bestTop1;
      if (isBest) {
        best = student.exportWeights();
        bestTop1 = r.top1();
        bestEpoch = epoch;
        bestStep = step;
      }
      FineTuneResult.ValidationPoint p =
          new FineTuneResult.ValidationPoint(epoch, step, r.top1(), r.meanLoss(), isBest);
      points.add(p);
      LOG.info(
          "step {} (epoch {}): validation top-1 {}{}",
          step,
          epoch,
          percent(r.top1()),
          isBest ? " (best so far)" : "");
      cfg.listener().onValidation(p);
      lastStep = step;
      last = r;
      return r;
    }
  }

  private static void requireTensor(GraphExecutor ex, String name, String role) {
    if (!ex.hasTensor(name)) {
      throw new IllegalArgumentException(
          "layer matching: the " + role + " model has no tensor named '" + name + "'");
    }
  }

  /** An executor of {@code model} on the configured device of {@code cfg}. */
  private static GraphExecutor executor(Model model, FineTuneConfig cfg) {
    return GraphExecutor.builder(model).optDevice(cfg.device().resolve()).build();
  }

  /** The devices of replicas 1..R-1 of data-parallel fine-tuning (empty for one device). */
  private static List<Device> moreDevices(FineTuneConfig cfg) {
    List<DeviceChoice> all = cfg.devices();
    List<Device> more = new ArrayList<>();
    for (DeviceChoice d : all.subList(1, all.size())) {
      more.add(d.resolve());
    }
    return more;
  }

  /** One step's numbers; {@code classes} is the number of logits per example. */
  private record StepStats(
      double loss, double crossEntropy, long correct, double gradNorm, int classes) {}

  /**
   * One optimizer step on batch {@code b}: each replica of {@code replicas} runs forward and
   * backward on its shard of n_k examples with its loss scaled by n_k / N (one replica: the whole
   * batch, unscaled), the gradients are summed onto the primary, the primary is updated and the
   * replicas are synchronized (see {@link DataParallel}). The weight-distillation term reads
   * parameters only, so it is added once, on the primary.
   */
  private static StepStats trainStep(
      DataParallel replicas,
      List<GraphExecutor> teachers,
      WeightDistillation weights,
      ParameterUpdater updater,
      Batch b,
      String input,
      String output,
      List<String> studentTaps,
      List<String> teacherTaps,
      FineTuneConfig cfg,
      double lr) {
    GraphExecutor student = replicas.replica(0);
    int n = b.size();
    int[] shards = DataParallel.shardSizes(n, replicas.size());
    int perExample = b.channels() * b.height() * b.width();
    List<NDManager> managers = new ArrayList<>();
    try {
      NDManager m = student.manager().newSubManager();
      managers.add(m);
      List<NDArray> losses = new ArrayList<>();
      List<NDArray> crossEntropies = new ArrayList<>();
      List<NDArray> logits = new ArrayList<>();
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        int from = 0;
        for (int k = 0; k < shards.length; k++) {
          NDManager mk = k == 0 ? m : replicas.replica(k).manager().newSubManager();
          if (k > 0) {
            managers.add(mk);
          }
          float[] data =
              shards.length == 1
                  ? b.data()
                  : Arrays.copyOfRange(
                      b.data(), from * perExample, (from + shards[k]) * perExample);
          NDArray x = mk.create(data, new Shape(shards[k], b.channels(), b.height(), b.width()));
          ShardLoss sl =
              shardLoss(
                  replicas.replica(k),
                  teachers.isEmpty() ? null : teachers.get(k),
                  mk,
                  x,
                  Arrays.copyOfRange(b.labels(), from, from + shards[k]),
                  input,
                  output,
                  studentTaps,
                  teacherTaps,
                  cfg);
          NDArray loss = sl.loss;
          NDArray ce = sl.crossEntropy;
          if (shards.length > 1) {
            float share = (float) shards[k] / n;
            loss = loss.mul(share);
            ce = ce.mul(share);
          }
          if (k == 0 && weights != null && weights.layers() > 0) {
            loss = loss.add(weights.loss(m).mul((float) cfg.weightDistillation()));
          }
          gc.backward(loss);
          losses.add(loss);
          crossEntropies.add(ce);
          logits.add(sl.logits);
          from += shards[k];
        }
      }
      replicas.reduceGradients(shards.length);
      double gradNorm = updater.step(m, lr);
      replicas.zeroGradients();
      replicas.synchronize(shards);
      double loss = 0;
      double ce = 0;
      long correct = 0;
      int k = 0;
      int from = 0;
      for (int s = 0; s < shards.length; s++) {
        loss += losses.get(s).getFloat();
        ce += crossEntropies.get(s).getFloat();
        float[] lg = logits.get(s).toFloatArray();
        k = lg.length / shards[s];
        for (int i = 0; i < shards[s]; i++) {
          correct += Evaluator.predictedClass(lg, i * k, k) == b.labels()[from + i] ? 1 : 0;
        }
        from += shards[s];
      }
      return new StepStats(loss, ce, correct, gradNorm, k);
    } finally {
      for (int i = managers.size() - 1; i >= 0; i--) {
        managers.get(i).close();
      }
    }
  }

  /** A shard's mean loss over its examples (without weight distillation) and its logits. */
  private record ShardLoss(NDArray loss, NDArray crossEntropy, NDArray logits) {}

  /**
   * The shard's loss (1 - w_kd) CE + w_kd T^2 KL(teacher || student at temperature T) + w_layer
   * matching, each a mean over the shard's n examples; every array belongs to {@code m}.
   */
  private static ShardLoss shardLoss(
      GraphExecutor student,
      GraphExecutor teacher,
      NDManager m,
      NDArray x,
      int[] labels,
      String input,
      String output,
      List<String> studentTaps,
      List<String> teacherTaps,
      FineTuneConfig cfg) {
    Map<String, NDArray> teacherOut = null;
    if (teacher != null) {
      Set<String> want = new LinkedHashSet<>(teacherTaps);
      want.add(teacher.outputNames().get(0));
      teacherOut = teacher.featureMaps(m, Map.of(teacher.inputNames().get(0), x), want);
    }
    Map<String, NDArray> out = student.forward(m, Map.of(input, x), true, studentTaps);
    NDArray logits = out.get(output);
    int n = labels.length;
    int k = (int) (logits.size() / n);
    float[] oneHot = new float[n * k];
    for (int i = 0; i < n; i++) {
      if (labels[i] >= k) {
        throw new IllegalArgumentException(
            "label " + labels[i] + " but the model outputs " + k + " classes");
      }
      oneHot[i * k + labels[i]] = 1f;
    }
    NDArray logits2 = logits.reshape(n, k);
    NDArray ce =
        logits2.logSoftmax(1).mul(m.create(oneHot, new Shape(n, k))).sum().neg().div((float) n);
    NDArray loss = cfg.kdWeight() > 0 ? ce.mul((float) (1 - cfg.kdWeight())) : ce;
    if (teacher != null && cfg.kdWeight() > 0) {
      float temp = (float) cfg.temperature();
      NDArray tl = teacherOut.get(teacher.outputNames().get(0)).reshape(n, k).div(temp);
      NDArray logPt = tl.logSoftmax(1);
      NDArray kl = logPt.exp().mul(logPt.sub(logits2.div(temp).logSoftmax(1))).sum().div((float) n);
      loss = loss.add(kl.mul((float) (cfg.kdWeight() * temp * temp)));
    }
    if (!studentTaps.isEmpty()) {
      loss =
          loss.add(
              layerMatching(out, teacherOut, studentTaps, teacherTaps)
                  .mul((float) cfg.layerWeight()));
    }
    return new ShardLoss(loss, ce, logits);
  }

  /**
   * The layer-output matching term (1/P) sum_{i=1..P} mean((S_i - D_i)^2) over the P pairs: a mean
   * per element and over the pairs, so it does not grow with the depth of the network.
   */
  private static NDArray layerMatching(
      Map<String, NDArray> student,
      Map<String, NDArray> teacher,
      List<String> studentTaps,
      List<String> teacherTaps) {
    NDArray sum = null;
    for (int i = 0; i < studentTaps.size(); i++) {
      NDArray s = student.get(studentTaps.get(i));
      NDArray d = teacher.get(teacherTaps.get(i));
      if (!s.getShape().equals(d.getShape())) {
        throw new IllegalArgumentException(
            "layer matching pair "
                + studentTaps.get(i)
                + " / "
                + teacherTaps.get(i)
                + ": shapes "
                + s.getShape()
                + " and "
                + d.getShape()
                + " differ");
      }
      NDArray term = s.sub(d).square().mean();
      sum = sum == null ? term : sum.add(term);
    }
    return sum.div((float) studentTaps.size());
  }
}
