package org.lowrank.pipeline;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank.analysis.InputShapes;

/**
 * The data of a {@link CompressionPipeline} run: the labelled images (their train split feeds
 * calibration, data-aware factorization, refit and fine-tuning; their test split evaluation), how
 * many images each step takes, and the model's input shapes. Validated when built; a new data
 * option is one more component here (and one {@code with} method).
 *
 * @param source labelled images, or null (no data: weight-only selectors, no evaluation)
 * @param calibrationImages training images of the calibration batch of data-driven selectors (0 =
 *     none)
 * @param refitImages training images of the output reconstruction (0 = off)
 * @param dataAwareImages training images of the data-aware factorization (0 = from the weights)
 * @param sequential fit the data-aware factors layer by layer to the compressed model's inputs
 *     (false: to the original model's, one pass)
 * @param evalLimit evaluate on at most this many test images (0 = all; -1 = no evaluation)
 * @param inputShapes input shapes by input name ({@link InputShapes})
 * @param inputShapeSpecs input shapes as {@code --input-shape} gives them ({@code D0,D1,..} or
 *     {@code NAME=D0,D1,..}), parsed against the model's inputs once it is read
 */
public record DataSpec(
    DataSource source,
    int calibrationImages,
    int refitImages,
    int dataAwareImages,
    boolean sequential,
    int evalLimit,
    Map<String, long[]> inputShapes,
    List<String> inputShapeSpecs) {

  /** Calibration images of data-driven selectors by default. */
  public static final int DEFAULT_CALIBRATION_IMAGES = 64;

  public DataSpec {
    nonNegative("calibration images", calibrationImages);
    nonNegative("refit images", refitImages);
    nonNegative("data-aware images", dataAwareImages);
    if (evalLimit < -1) {
      throw new IllegalArgumentException(
          "evaluation limit must be >= 0 (0 = the whole test split) or -1 (none), got "
              + evalLimit);
    }
    Map<String, long[]> shapes = new LinkedHashMap<>();
    inputShapes.forEach((k, v) -> shapes.put(k, v.clone()));
    inputShapes = java.util.Collections.unmodifiableMap(shapes);
    inputShapeSpecs = List.copyOf(inputShapeSpecs);
  }

  private static void nonNegative(String what, int n) {
    if (n < 0) {
      throw new IllegalArgumentException(what + " must be >= 0 (0 = off), got " + n);
    }
  }

  /** No data; default image counts for when data is added; shapes as the model declares. */
  public static DataSpec none() {
    return new DataSpec(
        null,
        DEFAULT_CALIBRATION_IMAGES,
        CompressionPipeline.DEFAULT_REFIT_IMAGES,
        CompressionPipeline.DEFAULT_REFIT_IMAGES,
        true,
        -1,
        Map.of(),
        List.of());
  }

  /** Whether labelled images are given. */
  public boolean present() {
    return source != null;
  }

  /** Whether the test split is evaluated. */
  public boolean evaluates() {
    return source != null && evalLimit >= 0;
  }

  public DataSpec withSource(DataSource v) {
    return new DataSpec(
        v,
        calibrationImages,
        refitImages,
        dataAwareImages,
        sequential,
        evalLimit,
        inputShapes,
        inputShapeSpecs);
  }

  public DataSpec withCalibrationImages(int v) {
    return new DataSpec(
        source,
        v,
        refitImages,
        dataAwareImages,
        sequential,
        evalLimit,
        inputShapes,
        inputShapeSpecs);
  }

  public DataSpec withRefitImages(int v) {
    return new DataSpec(
        source,
        calibrationImages,
        v,
        dataAwareImages,
        sequential,
        evalLimit,
        inputShapes,
        inputShapeSpecs);
  }

  /** Data-aware factorization on {@code images} training images (0 = off), sequential or not. */
  public DataSpec withDataAware(int images, boolean sequential) {
    return new DataSpec(
        source,
        calibrationImages,
        refitImages,
        images,
        sequential,
        evalLimit,
        inputShapes,
        inputShapeSpecs);
  }

  public DataSpec withEvalLimit(int v) {
    return new DataSpec(
        source,
        calibrationImages,
        refitImages,
        dataAwareImages,
        sequential,
        v,
        inputShapes,
        inputShapeSpecs);
  }

  public DataSpec withInputShapes(Map<String, long[]> v) {
    return new DataSpec(
        source,
        calibrationImages,
        refitImages,
        dataAwareImages,
        sequential,
        evalLimit,
        v,
        inputShapeSpecs);
  }

  public DataSpec withInputShapeSpecs(List<String> v) {
    return new DataSpec(
        source,
        calibrationImages,
        refitImages,
        dataAwareImages,
        sequential,
        evalLimit,
        inputShapes,
        v);
  }
}
