package org.lowrank.train.search;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.lowrank.cost.Cost;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.plan.Budget;
import org.lowrank.train.exec.DeviceChoice;

/**
 * Settings of {@link DataFreeRankSearch}. Defaults follow RENE's CIFAR setting: candidate ranks
 * 10..100 step 10, gamma 0.4, beta 0.8, 20 warm-up and 100 joint steps, SGD with Nesterov momentum
 * 0.9, gradient clipping at norm 5. Build with {@link #builder()}; {@code optX} sets an optional
 * value.
 *
 * @param rankLow smallest candidate rank of the first stage
 * @param rankHigh largest candidate rank of the first stage (clipped per layer to its feasible
 *     maximum)
 * @param rankStep spacing of the first stage's candidates; each later stage divides it by 10
 * @param gamma scale of the rank cost L_r
 * @param beta exponent of the rank cost L_r
 * @param warmupSteps factor-only steps at the start of each stage
 * @param jointSteps steps updating factors and logits together
 * @param momentum Nesterov momentum of both SGD optimizers
 * @param factorLearningRate learning rate of the branch factors
 * @param logitLearningRate learning rate of the rank logits
 * @param gradientClip largest gradient norm, applied separately to the factors and the logits
 * @param cpAlsIterations ALS sweeps of the CP branch initialization
 * @param seed seed of every random step (CP initialization columns beyond the unfolding ranks)
 * @param budget global budget; {@link Budget#none()} keeps each layer's most probable rank
 * @param budgetMode how a budget is met at each stage's discretization
 * @param modelCost the whole model's original cost, the budget's reference; null = the searched
 *     layers only
 * @param linearAlgebra backend of the initial decompositions
 * @param validationLoss optional L_val for the logits (null = data-free)
 * @param device where the search's tensors live (default {@link DeviceChoice#configured()})
 */
public record DataFreeSearchConfig(
    int rankLow,
    int rankHigh,
    int rankStep,
    double gamma,
    double beta,
    int warmupSteps,
    int jointSteps,
    double momentum,
    double factorLearningRate,
    double logitLearningRate,
    double gradientClip,
    int cpAlsIterations,
    long seed,
    Budget budget,
    BudgetMode budgetMode,
    Cost modelCost,
    LinearAlgebra linearAlgebra,
    ValidationLoss validationLoss,
    DeviceChoice device) {

  public DataFreeSearchConfig {
    Objects.requireNonNull(budget, "budget");
    Objects.requireNonNull(budgetMode, "budgetMode");
    Objects.requireNonNull(linearAlgebra, "linearAlgebra");
    Objects.requireNonNull(device, "device");
    if (rankLow < 1) {
      throw new IllegalArgumentException("rankLow must be >= 1, found " + rankLow);
    }
    if (rankLow > rankHigh) {
      throw new IllegalArgumentException(
          "candidate rank range is empty: rankLow "
              + rankLow
              + " > rankHigh "
              + rankHigh
              + "; e.g. optRankRange(10, 100, 10)");
    }
    if (rankStep < 1) {
      throw new IllegalArgumentException(
          "rankStep must be >= 1, found " + rankStep + "; e.g. optRankRange(10, 100, 10)");
    }
    requirePositive("gamma", gamma);
    requirePositive("beta", beta);
    requirePositive("factorLearningRate", factorLearningRate);
    requirePositive("logitLearningRate", logitLearningRate);
    requirePositive("gradientClip", gradientClip);
    if (warmupSteps < 0 || jointSteps < 1) {
      throw new IllegalArgumentException(
          "need warmupSteps >= 0 and jointSteps >= 1, found " + warmupSteps + " and " + jointSteps);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1), found " + momentum);
    }
    if (cpAlsIterations < 1) {
      throw new IllegalArgumentException("cpAlsIterations must be >= 1, found " + cpAlsIterations);
    }
    if (modelCost != null && (modelCost.params() <= 0 || modelCost.macs() <= 0)) {
      throw new IllegalArgumentException("modelCost must be positive, found " + modelCost);
    }
  }

  private static void requirePositive(String name, double v) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(name + " must be a positive finite number, found " + v);
    }
  }

  /** How a global budget is met when the search's most probable ranks do not fit it. */
  public enum BudgetMode {
    /**
     * {@link org.lowrank.plan.BudgetAllocator} from the most probable ranks, trading the
     * candidates' scores (1 - relative error) per parameter (or MAC) across layers (default).
     */
    ALLOCATOR,
    /**
     * Scale every layer's most probable rank by one common factor c <= 1 (each snapped to its
     * nearest candidate), the largest c that fits: keeps the search's relative ranks across layers.
     */
    PROPORTIONAL
  }

  /** A builder with RENE's CIFAR defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The CIFAR defaults. */
  public static DataFreeSearchConfig defaults() {
    return builder().build();
  }

  /** The settings as plan metadata ({@code Plan.settings}). */
  public Map<String, Object> toSettings() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rank_low", (long) rankLow);
    m.put("rank_high", (long) rankHigh);
    m.put("rank_step", (long) rankStep);
    m.put("gamma", gamma);
    m.put("beta", beta);
    m.put("warmup_steps", (long) warmupSteps);
    m.put("joint_steps", (long) jointSteps);
    m.put("momentum", momentum);
    m.put("factor_lr", factorLearningRate);
    m.put("logit_lr", logitLearningRate);
    m.put("gradient_clip", gradientClip);
    m.put("cp_als_iterations", (long) cpAlsIterations);
    m.put("budget_mode", budgetMode.name().toLowerCase(java.util.Locale.ROOT));
    m.put("logit_objective", validationLoss == null ? "reconstruction" : "validation");
    return m;
  }

  /** Builder of {@link DataFreeSearchConfig}; {@link #build()} validates. */
  public static final class Builder {
    private int rankLow = 10;
    private int rankHigh = 100;
    private int rankStep = 10;
    private double gamma = 0.4;
    private double beta = 0.8;
    private int warmupSteps = 20;
    private int jointSteps = 100;
    private double momentum = 0.9;
    private double factorLearningRate = 0.05;
    private double logitLearningRate = 0.5;
    private double gradientClip = 5;
    private int cpAlsIterations = 15;
    private long seed = 0;
    private Budget budget = Budget.none();
    private BudgetMode budgetMode = BudgetMode.ALLOCATOR;
    private Cost modelCost;
    private LinearAlgebra linearAlgebra;
    private ValidationLoss validationLoss;
    private DeviceChoice device;

    private Builder() {}

    /** First-stage candidates lo, lo+step, ... <= hi (CIFAR 10, 100, 10; ImageNet 50, 850, 100). */
    public Builder optRankRange(int lo, int hi, int step) {
      this.rankLow = lo;
      this.rankHigh = hi;
      this.rankStep = step;
      return this;
    }

    public Builder optGamma(double gamma) {
      this.gamma = gamma;
      return this;
    }

    public Builder optBeta(double beta) {
      this.beta = beta;
      return this;
    }

    public Builder optSteps(int warmup, int joint) {
      this.warmupSteps = warmup;
      this.jointSteps = joint;
      return this;
    }

    public Builder optMomentum(double momentum) {
      this.momentum = momentum;
      return this;
    }

    public Builder optLearningRates(double factors, double logits) {
      this.factorLearningRate = factors;
      this.logitLearningRate = logits;
      return this;
    }

    public Builder optGradientClip(double clip) {
      this.gradientClip = clip;
      return this;
    }

    public Builder optCpAlsIterations(int iterations) {
      this.cpAlsIterations = iterations;
      return this;
    }

    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder optBudget(Budget budget) {
      this.budget = budget;
      return this;
    }

    public Builder optBudgetMode(BudgetMode budgetMode) {
      this.budgetMode = budgetMode;
      return this;
    }

    /** The whole model's original cost, when the searched layers are only part of the model. */
    public Builder optModelCost(Cost modelCost) {
      this.modelCost = modelCost;
      return this;
    }

    public Builder optLinearAlgebra(LinearAlgebra linearAlgebra) {
      this.linearAlgebra = linearAlgebra;
      return this;
    }

    public Builder optValidationLoss(ValidationLoss validationLoss) {
      this.validationLoss = validationLoss;
      return this;
    }

    /** The device of the search (default: {@link DeviceChoice#configured()} at build time). */
    public Builder optDevice(DeviceChoice device) {
      this.device = device;
      return this;
    }

    public DataFreeSearchConfig build() {
      return new DataFreeSearchConfig(
          rankLow,
          rankHigh,
          rankStep,
          gamma,
          beta,
          warmupSteps,
          jointSteps,
          momentum,
          factorLearningRate,
          logitLearningRate,
          gradientClip,
          cpAlsIterations,
          seed,
          budget,
          budgetMode,
          modelCost,
          linearAlgebra == null ? LinearAlgebra.defaultInstance() : linearAlgebra,
          validationLoss,
          device != null ? device : DeviceChoice.configured());
    }
  }
}
