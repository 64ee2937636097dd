package org.lowrank.cli;

import org.lowrank.pipeline.CompressionPipeline;
import org.lowrank.pipeline.DataSpec;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * How the factors are fitted, the same options on plan and compress: the similarity search of
 * {@code plan} scores the candidates of the fit {@code compress} will deploy, so both take them.
 */
public final class FactorizeOptions {
  /** How the factors are fitted. */
  enum Factorize {
    weights,
    data,
    symmetric,
    distill;

    @Override
    public String toString() {
      return switch (this) {
        case symmetric -> "data-symmetric";
        case distill -> "data-distill";
        default -> name();
      };
    }
  }

  @Option(
      names = "--factorize",
      paramLabel = "HOW",
      defaultValue = "data",
      converter = FactorizeConverter.class,
      description =
          "weights: fit the factors to the weights alone; data (default with --data): fit "
              + "each layer, in graph order, to the inputs it gets in the model compressed so far, the "
              + "target being the original layer's output on the same training images, bias "
              + "included (every method but separable CP); data-symmetric: fit to the original "
              + "model's inputs, all layers from one pass; data-distill (compress): data, then "
              + "--distill-steps Adam steps matching the original model's logits and layer "
              + "outputs on training images (no labels). The similarity search scores the "
              + "candidates of this fit.")
  Factorize factorize;

  /** Accepts weights, data, data-symmetric, data-distill. */
  static final class FactorizeConverter implements ITypeConverter<Factorize> {
    @Override
    public Factorize convert(String v) {
      for (Factorize f : Factorize.values()) {
        if (f.toString().equals(v)) {
          return f;
        }
      }
      throw new TypeConversionException(
          "expected weights, data, data-symmetric or data-distill, found '" + v + "'");
    }
  }

  @Option(
      names = "--fit-images",
      paramLabel = "N",
      defaultValue = "" + CompressionPipeline.DEFAULT_REFIT_IMAGES,
      description =
          "Training images the data-aware factorization fits to (default: ${DEFAULT-VALUE}).")
  int fitImages;

  /**
   * {@code spec} with the data-aware fit: {@code --fit-images}, 0 with {@code weights}; refuses
   * {@code --fit-images} given with {@code --factorize weights}, which fits nothing to data.
   */
  DataSpec apply(DataSpec spec, CommandSpec command) {
    if (factorize == Factorize.weights) {
      OptionChecks.refuseGiven(
          command,
          "--factorize weights fits the factors to the weights alone",
          "drop it, or use --factorize data",
          "--fit-images");
    }
    return spec.withDataAware(
        factorize == Factorize.weights ? 0 : fitImages,
        factorize == Factorize.data || factorize == Factorize.distill);
  }
}
