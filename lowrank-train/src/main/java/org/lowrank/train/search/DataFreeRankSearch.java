package org.lowrank.train.search;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.plan.BudgetAllocator;
import org.lowrank.plan.Candidate;
import org.lowrank.progress.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-free continuous rank search (method A of MISSION.md, after RENE, arXiv 2409.03555).
 *
 * <p>Per layer i with candidate ranks R_i, one factorized branch What_r per r in R_i (initialized
 * by TT-SVD, Tucker-2 HOSVD, CP-ALS or truncated SVD at rank r), logits alpha_i (init 0), p_i =
 * softmax(alpha_i), and the mixed weight sum_r p_r What_r. With n layers and every weight scaled to
 * unit Frobenius norm:
 *
 * <pre>
 *   E   = (1/n) sum_i ||W_i - sum_r p_ir What_ir||_F^2 / ||W_i||_F^2
 *   L_r = gamma * (1/n) sum_i (sum_r p_ir r / max(R_i))^beta
 *   L_W = E * L_r
 * </pre>
 *
 * The paper's sums are taken as means here, which only rescales L_W by 1/n^2 and keeps the learning
 * rates independent of the number of layers. Each stage runs {@code warmupSteps} factor-only steps,
 * then {@code jointSteps} steps on factors and logits, both with SGD and Nesterov momentum and the
 * gradient norm of each parameter group clipped. The factors follow grad L_W; the logits follow
 * grad log L_W = grad L_W / L_W (same minimizers as L_W, but a step size that does not shrink with
 * the error, so layers that are already almost exact still move). With a {@link ValidationLoss} the
 * logits follow log(L_val * L_r) instead.
 *
 * <p>Discretization is multi-step: r_i = argmax p_i; the next stage's candidates are r_i - s/2 ..
 * r_i + s/2 with step s' = floor(s/10); stop when s' < 1 (CIFAR: 10..100 step 10, then a window of
 * 11 ranks step 1). Candidate ranks are clipped to each layer's feasible maximum: the largest rank
 * within {@link CostModel#maxRanks} that strictly lowers its params and MACs.
 *
 * <p><b>Budget.</b> L_W has no term that can reach a given budget (gamma only rescales it; beta
 * sets the trade-off, and with the CIFAR defaults the data-free objective alone keeps high ranks:
 * on ResNet-20 it kept 88% of the params with TT and 50% with CP, the argmax at the top of most
 * ranges), so a global {@link org.lowrank.plan.Budget} is met at each stage's discretization, for
 * the searched layers plus the rest of the model ({@code modelCost}, kept as is). Mode ALLOCATOR
 * (default): every candidate rank is scored by 1 - relative error of its initial decomposition, and
 * {@link BudgetAllocator} starts from each layer's argmax rank and trades score per parameter
 * across layers until the model fits, then spends leftover budget on the best upgrades. Mode
 * PROPORTIONAL: all argmax ranks are scaled down by one common factor, which keeps the search's
 * relative ranks (a budget the argmax ranks already meet leaves them as they are). The next stage
 * narrows around the adjusted ranks, so the final ranks meet the budget at step-1 resolution.
 * Without a budget the argmax ranks are kept.
 *
 * <p>Native memory: all arrays live in one manager closed at the end of {@link #search}; each
 * step's temporaries are freed by an {@link NDScope}. The engine's thread count is process-wide
 * (system property {@code ai.djl.pytorch.num_threads}); the decompositions use the configured
 * {@link org.lowrank.linalg.LinearAlgebra}. DJL allows one active gradient collector per process,
 * so run one search (or training loop) at a time.
 *
 * <p>Cost, measured on 1 thread: ResNet-56, all 54 3x3 convs, 2 stages of 120 steps: TT about 22 s
 * and CP about 38 s of CPU time (see {@link SearchTiming}).
 */
public final class DataFreeRankSearch {
  private static final Logger LOG = LoggerFactory.getLogger(DataFreeRankSearch.class);

  private final DataFreeSearchConfig config;

  public DataFreeRankSearch(DataFreeSearchConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  public DataFreeSearchConfig config() {
    return config;
  }

  /** Runs the search without progress reporting; see {@link #search(List, ProgressListener)}. */
  public RankSearchResult search(List<SearchLayer> layers) {
    return search(layers, ProgressListener.NONE);
  }

  /**
   * Runs the multi-stage search on the given layers.
   *
   * @param layers the layers to search (not modified), unique names, at least one
   * @param progress receives one task per stage with one unit per optimizer step
   * @throws IllegalArgumentException on an empty or duplicate layer list, a layer no rank can
   *     compress, or a budget that even the smallest candidate ranks exceed
   * @throws IllegalStateException if the optimization diverges (non-finite loss)
   */
  public RankSearchResult search(List<SearchLayer> layers, ProgressListener progress) {
    Objects.requireNonNull(progress, "progress");
    if (layers == null || layers.isEmpty()) {
      throw new IllegalArgumentException("the data-free rank search needs at least one layer");
    }
    Set<String> names = new HashSet<>();
    for (SearchLayer l : layers) {
      if (!names.add(l.name())) {
        throw new IllegalArgumentException("layer '" + l.name() + "' is given twice to the search");
      }
    }
    long t0 = System.nanoTime();
    List<LayerTarget> targets = new ArrayList<>();
    Cost before = Cost.ZERO;
    for (int i = 0; i < layers.size(); i++) {
      targets.add(new LayerTarget(layers.get(i), i, config.linearAlgebra(), config.seed()));
      before = before.plus(CostModel.original(layers.get(i).geometry()));
    }
    Cost total = config.modelCost() == null ? before : config.modelCost();
    if (total.params() < before.params() || total.macs() < before.macs()) {
      throw new IllegalArgumentException(
          "modelCost "
              + total
              + " is smaller than the searched layers' own cost "
              + before
              + ": pass the whole original model's cost");
    }
    Cost fixed = total.minus(before);
    int n = targets.size();
    String[] notes = new String[n];
    int[][] cands = new int[n][];
    for (int i = 0; i < n; i++) {
      cands[i] = firstStage(targets.get(i));
      LayerTarget t = targets.get(i);
      if (config.rankHigh() > t.feasibleMax) {
        notes[i] = "candidate ranks clipped to the feasible maximum " + t.feasibleMax;
      }
    }
    List<TreeMap<Integer, Double>> scores = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      scores.add(new TreeMap<>());
    }
    int stageCount = 0;
    for (int s = config.rankStep(); s >= 1; s /= 10) {
      stageCount++;
    }
    int[] preferred = new int[n];
    int[] chosen = new int[n];
    double[][] probs = new double[n][];
    List<RankSearchResult.StageSummary> stages = new ArrayList<>();
    try (NDManager manager = NDManager.newBaseManager(config.device().resolve(), "PyTorch")) {
      int step = config.rankStep();
      for (int stage = 1; stage <= stageCount; stage++) {
        long ts = System.nanoTime();
        StageRun run = runStage(manager, targets, cands, progress, stage, stageCount, step);
        for (int i = 0; i < n; i++) {
          for (int b = 0; b < cands[i].length; b++) {
            scores.get(i).put(cands[i][b], run.scores[i][b]);
          }
          probs[i] = run.probabilities[i];
          preferred[i] = cands[i][argmax(probs[i])];
        }
        System.arraycopy(preferred, 0, chosen, 0, n);
        if (!config.budget().isNone()) {
          if (config.budgetMode() == DataFreeSearchConfig.BudgetMode.PROPORTIONAL) {
            scale(targets, cands, preferred, fixed, total, chosen, stage);
          } else {
            allocate(targets, cands, run.scores, probs, fixed, total, chosen, stage);
          }
        }
        long ms = (System.nanoTime() - ts) / 1_000_000;
        stages.add(
            new RankSearchResult.StageSummary(
                step, run.branches, run.groups, run.loss, run.error, ms));
        LOG.info(
            "data-free search stage {}/{} (step {}): {} branches in {} groups, L_W {}, E {}, "
                + "{} ms",
            stage,
            stageCount,
            step,
            run.branches,
            run.groups,
            String.format("%.4g", run.loss),
            String.format("%.4g", run.error),
            ms);
        int next = step / 10;
        if (next >= 1) {
          for (int i = 0; i < n; i++) {
            cands[i] = window(chosen[i], step, next, targets.get(i).feasibleMax);
          }
        }
        step = next;
      }
    }
    List<LayerRankResult> results = new ArrayList<>();
    Cost after = Cost.ZERO;
    for (int i = 0; i < n; i++) {
      LayerTarget t = targets.get(i);
      List<Candidate> cs = new ArrayList<>();
      for (Map.Entry<Integer, Double> e : scores.get(i).entrySet()) {
        Choice c = t.choice(e.getKey());
        cs.add(new Candidate(c, CostModel.factorized(t.layer.geometry(), c), e.getValue()));
      }
      String note = notes[i] == null ? "" : notes[i];
      if (chosen[i] != preferred[i]) {
        note =
            (note.isEmpty() ? "" : note + "; ")
                + "budget moved the rank from the most probable "
                + preferred[i]
                + " to "
                + chosen[i];
      }
      Choice c = t.choice(chosen[i]);
      after = after.plus(CostModel.factorized(t.layer.geometry(), c));
      double[] ranksAsProb = probs[i];
      LayerGeometry g = t.layer.geometry();
      String kind = g.conv() ? "conv" + g.kernel().length + "d" : "dense";
      results.add(
          new LayerRankResult(
              t.layer.name(),
              t.layer.method(),
              c,
              preferred[i],
              cands[i],
              ranksAsProb,
              cs,
              t.feasibleMax,
              kind,
              CostModel.original(g),
              note));
    }
    long elapsed = (System.nanoTime() - t0) / 1_000_000;
    LOG.info(
        "data-free search of {} layers done in {} ms: params {} -> {}, MACs {} -> {}",
        n,
        elapsed,
        before.params(),
        after.params(),
        before.macs(),
        after.macs());
    Map<String, Object> settings = config.toSettings();
    return new RankSearchResult(
        results, stages, config.seed(), config.budget(), settings, before, after, elapsed);
  }

  /** lo, lo+s, ... <= min(hi, feasible max); the feasible maximum alone when it is below lo. */
  private int[] firstStage(LayerTarget t) {
    int hi = Math.min(config.rankHigh(), t.feasibleMax);
    List<Integer> rs = new ArrayList<>();
    for (int r = config.rankLow(); r <= hi; r += config.rankStep()) {
      rs.add(r);
    }
    if (rs.isEmpty()) {
      LOG.warn(
          "layer '{}': feasible maximum rank {} is below the smallest candidate {}; searching "
              + "from rank {} in the next stage",
          t.layer.name(),
          t.feasibleMax,
          config.rankLow(),
          t.feasibleMax);
      rs.add(t.feasibleMax);
    }
    return rs.stream().mapToInt(Integer::intValue).toArray();
  }

  /** center - step/2 .. center + step/2 by {@code next}, within [1, feasibleMax]. */
  static int[] window(int center, int step, int next, int feasibleMax) {
    List<Integer> rs = new ArrayList<>();
    for (int r = center - step / 2; r <= center + step / 2; r += next) {
      if (r >= 1 && r <= feasibleMax) {
        rs.add(r);
      }
    }
    return rs.stream().mapToInt(Integer::intValue).toArray();
  }

  private void allocate(
      List<LayerTarget> targets,
      int[][] cands,
      double[][] scores,
      double[][] probs,
      Cost fixed,
      Cost total,
      int[] chosen,
      int stage) {
    List<BudgetAllocator.LayerOptions> opts = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      LayerTarget t = targets.get(i);
      List<Candidate> cs = new ArrayList<>();
      for (int b = 0; b < cands[i].length; b++) {
        Choice c = t.choice(cands[i][b]);
        cs.add(new Candidate(c, CostModel.factorized(t.layer.geometry(), c), scores[i][b]));
      }
      opts.add(new BudgetAllocator.LayerOptions(t.layer.name(), cs, argmax(probs[i])));
    }
    List<Candidate> picked;
    try {
      picked = BudgetAllocator.allocate(opts, fixed, total, config.budget());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "data-free search, stage " + stage + ": " + e.getMessage(), e);
    }
    for (int i = 0; i < chosen.length; i++) {
      chosen[i] = picked.get(i).choice().ranks()[0];
    }
  }

  /**
   * Budget mode PROPORTIONAL: r_i = the candidate nearest to c * preferred_i, with c <= 1 the
   * largest common factor (bisection) whose total cost fits the budget.
   */
  private void scale(
      List<LayerTarget> targets,
      int[][] cands,
      int[] preferred,
      Cost fixed,
      Cost total,
      int[] chosen,
      int stage) {
    org.lowrank.plan.Budget.Kind kind = config.budget().kind();
    long target = config.budget().target(total);
    double lo = 0;
    double hi = 1;
    if (scaledCost(targets, cands, preferred, lo, chosen, kind) + fixed.get(kind) > target) {
      throw new IllegalArgumentException(
          String.format(
              "data-free search, stage %d: impossible "
                  + "budget: %s asks for at most %d %s, but the smallest candidate ranks still need %d; keep "
                  + "a larger fraction or lower rankLow",
              stage,
              config.budget(),
              target,
              kind.name().toLowerCase(java.util.Locale.ROOT),
              scaledCost(targets, cands, preferred, lo, chosen, kind) + fixed.get(kind)));
    }
    if (scaledCost(targets, cands, preferred, hi, chosen, kind) + fixed.get(kind) > target) {
      for (int it = 0; it < 60; it++) {
        double c = (lo + hi) / 2;
        if (scaledCost(targets, cands, preferred, c, chosen, kind) + fixed.get(kind) <= target) {
          lo = c;
        } else {
          hi = c;
        }
      }
      hi = lo;
    }
    scaledCost(targets, cands, preferred, hi, chosen, kind);
  }

  /**
   * Fills {@code out} with the candidates nearest to c * preferred and returns their summed cost.
   */
  private static long scaledCost(
      List<LayerTarget> targets,
      int[][] cands,
      int[] preferred,
      double c,
      int[] out,
      org.lowrank.plan.Budget.Kind kind) {
    long sum = 0;
    for (int i = 0; i < targets.size(); i++) {
      double want = c * preferred[i];
      int best = cands[i][0];
      for (int r : cands[i]) {
        if (Math.abs(r - want) < Math.abs(best - want)) {
          best = r;
        }
      }
      out[i] = best;
      sum +=
          CostModel.factorized(targets.get(i).layer.geometry(), targets.get(i).choice(best))
              .get(kind);
    }
    return sum;
  }

  static int argmax(double[] p) {
    int best = 0;
    for (int i = 1; i < p.length; i++) {
      if (p[i] > p[best]) {
        best = i;
      }
    }
    return best;
  }

  /** What one stage produced. */
  private record StageRun(
      double[][] probabilities,
      double[][] scores,
      int branches,
      int groups,
      double loss,
      double error) {}

  private StageRun runStage(
      NDManager manager,
      List<LayerTarget> targets,
      int[][] cands,
      ProgressListener progress,
      int stage,
      int stageCount,
      int step) {
    int n = targets.size();
    Map<String, List<Integer>> byKey = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      LayerTarget t = targets.get(i);
      String key = t.form() + ":" + t.rows + "x" + t.mid + "x" + t.cols + ":" + cands[i].length;
      byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
    }
    List<BranchGroup> groups = new ArrayList<>();
    List<int[]> members = new ArrayList<>();
    int branches = 0;
    try {
      long ti = System.nanoTime();
      double[][] scores = new double[n][];
      for (List<Integer> idx : byKey.values()) {
        List<LayerTarget> ls = new ArrayList<>();
        int[][] rs = new int[idx.size()][];
        LayerTarget.InitialBranch[][] init = new LayerTarget.InitialBranch[idx.size()][];
        for (int j = 0; j < idx.size(); j++) {
          int i = idx.get(j);
          LayerTarget t = targets.get(i);
          ls.add(t);
          rs[j] = cands[i];
          init[j] = new LayerTarget.InitialBranch[rs[j].length];
          scores[i] = new double[rs[j].length];
          for (int b = 0; b < rs[j].length; b++) {
            init[j][b] = t.initialBranch(rs[j][b], config.cpAlsIterations());
            scores[i][b] = 1 - init[j][b].relativeError();
          }
          branches += rs[j].length;
        }
        groups.add(BranchGroup.create(manager, ls, rs, init));
        members.add(idx.stream().mapToInt(Integer::intValue).toArray());
      }
      LOG.debug(
          "stage {}: initial decompositions of {} branches in {} ms",
          stage,
          branches,
          (System.nanoTime() - ti) / 1_000_000);
      double[] last = train(manager, groups, n, progress, stage, stageCount, step);
      double[][] probs = new double[n][];
      for (int g = 0; g < groups.size(); g++) {
        BranchGroup bg = groups.get(g);
        try (NDArray p = bg.logits.softmax(1)) {
          float[] pv = p.toFloatArray();
          for (int j = 0; j < bg.count; j++) {
            double[] q = new double[bg.branches];
            for (int b = 0; b < bg.branches; b++) {
              q[b] = pv[j * bg.branches + b];
            }
            probs[members.get(g)[j]] = q;
          }
        }
      }
      return new StageRun(probs, scores, branches, groups.size(), last[0], last[1]);
    } finally {
      for (BranchGroup bg : groups) {
        bg.close();
      }
    }
  }

  /** Warm-up and joint steps; returns {L_W, E} of the last step. */
  private double[] train(
      NDManager manager,
      List<BranchGroup> groups,
      int n,
      ProgressListener progress,
      int stage,
      int stageCount,
      int step) {
    int total = config.warmupSteps() + config.jointSteps();
    progress.start(
        "data-free rank search, stage " + stage + "/" + stageCount + " (step " + step + ")", total);
    double loss = Double.NaN;
    double error = Double.NaN;
    for (int it = 0; it < total; it++) {
      boolean joint = it >= config.warmupSteps();
      try (NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        double logitObjective;
        try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
          Objective o = objective(manager, groups, n);
          gc.backward(o.total);
          loss = o.lossW.getFloat();
          error = o.error.getFloat();
          logitObjective = o.logitObjective.getFloat();
        }
        if (!Double.isFinite(loss) || !Double.isFinite(logitObjective)) {
          throw new IllegalStateException(
              "data-free rank search diverged at stage "
                  + stage
                  + ", step "
                  + (it + 1)
                  + " (loss "
                  + loss
                  + "): lower the factor learning rate "
                  + "(now "
                  + config.factorLearningRate()
                  + ") or the gradient clip (now "
                  + config.gradientClip()
                  + ")");
        }
        List<NDArray[]> factorSets = new ArrayList<>();
        for (BranchGroup g : groups) {
          NDArray[] ps = g.factors();
          NDArray[] ms = g.factorMomentum();
          for (int k = 0; k < ps.length; k++) {
            factorSets.add(new NDArray[] {ps[k], ps[k].getGradient(), ms[k]});
          }
        }
        sgdStep(factorSets, 1.0, config.factorLearningRate());
        List<NDArray[]> logitSets = new ArrayList<>();
        for (BranchGroup g : groups) {
          logitSets.add(new NDArray[] {g.logits, g.logits.getGradient(), g.logitMomentum});
        }
        if (joint) {
          sgdStep(
              logitSets,
              1.0 / Math.max(logitObjective, Double.MIN_NORMAL),
              config.logitLearningRate());
        } else {
          for (NDArray[] s : logitSets) {
            s[1].muli(0f);
          }
        }
      }
      progress.progress(it + 1, String.format("L_W %.4g, E %.4g", loss, error));
      if (LOG.isDebugEnabled() && ((it + 1) % 20 == 0 || it == 0)) {
        LOG.debug("stage {} step {}/{}: L_W {} E {}", stage, it + 1, total, loss, error);
      }
    }
    progress.finish(String.format("L_W %.4g, E %.4g", loss, error));
    return new double[] {loss, error};
  }

  /** The arrays of one forward pass. */
  private record Objective(NDArray total, NDArray lossW, NDArray error, NDArray logitObjective) {}

  private Objective objective(NDManager manager, List<BranchGroup> groups, int n) {
    NDArray errSum = null;
    NDArray costSum = null;
    Map<String, NDArray> mixedWeights = new LinkedHashMap<>();
    boolean validation = config.validationLoss() != null;
    for (BranchGroup g : groups) {
      NDArray p = g.logits.softmax(1);
      NDArray mixed = g.mixed(validation ? p.stopGradient() : p, false);
      NDArray err = g.squaredError(mixed).sum();
      NDArray x = p.mul(g.relativeRanks).sum(new int[] {1});
      NDArray cost = x.pow((float) config.beta()).sum();
      errSum = errSum == null ? err : errSum.add(err);
      costSum = costSum == null ? cost : costSum.add(cost);
      if (validation) {
        NDArray mixedForLogits = g.mixed(p, true);
        for (int j = 0; j < g.count; j++) {
          LayerTarget t = g.layers.get(j);
          NDArray w =
              mixedForLogits
                  .get(j)
                  .reshape(g.rows, g.mid, g.cols)
                  .transpose(0, 2, 1)
                  .reshape(t.layer.weight().dims())
                  .mul((float) t.norm);
          mixedWeights.put(t.layer.name(), w);
        }
      }
    }
    NDArray error = errSum.div((float) n);
    NDArray rankCost = costSum.mul((float) (config.gamma() / n));
    NDArray lossW = error.mul(rankCost);
    if (!validation) {
      return new Objective(lossW, lossW, error, lossW);
    }
    NDArray lval = config.validationLoss().loss(mixedWeights, manager);
    NDArray logitObjective = lval.mul(rankCost);
    NDArray total = error.mul(rankCost.stopGradient()).add(logitObjective);
    return new Objective(total, lossW, error, logitObjective);
  }

  /**
   * Nesterov SGD on parameter sets {param, grad, momentum}: the gradients are scaled by {@code
   * scale}, clipped to a global norm of {@code gradientClip}, then v = mu v + g, param -= lr (g +
   * mu v). Zeroes the gradients afterwards.
   */
  private void sgdStep(List<NDArray[]> sets, double scale, double lr) {
    double sq = 0;
    for (NDArray[] s : sets) {
      sq += s[1].square().sum().getFloat();
    }
    double raw = Math.sqrt(sq);
    double factor = scale;
    if (raw * scale > config.gradientClip()) {
      factor = config.gradientClip() / raw;
    }
    boolean skip = !(raw > 0) || !Double.isFinite(raw) || !Double.isFinite(factor);
    float mu = (float) config.momentum();
    for (NDArray[] s : sets) {
      if (!skip) {
        NDArray g = s[1].mul((float) Math.min(factor, Float.MAX_VALUE));
        s[2].muli(mu).addi(g);
        s[0].subi(g.add(s[2].mul(mu)).muli((float) lr));
      }
      s[1].muli(0f);
    }
  }
}
