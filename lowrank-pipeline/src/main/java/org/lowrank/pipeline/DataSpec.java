package org.lowrank.pipeline;

import java.util.List;

/**
 * The data of a {@link CompressionPipeline} run: the labelled images (their train split feeds
 * calibration, data-aware factorization, refit and fine-tuning; their test split evaluation), how
 * many images each step takes, and the model's input shapes. Validated when built; a new data
 * option is one more component here or in {@link Images} (and one {@code with} method).
 *
 * @param source labelled images, or null (no data: weight-only selectors, no evaluation)
 * @param images training images per data-driven step
 * @param evalLimit evaluate on at most this many test images (0 = all; -1 = no evaluation)
 * @param inputShapeSpecs input shapes as {@code --input-shape} gives them ({@code D0,D1,..} for a
 *     single-input model, {@code NAME=D0,D1,..} otherwise), parsed against the model's inputs once
 *     it is read ({@link org.lowrank.analysis.InputShapes#parse})
 */
public record DataSpec(
    DataSource source, Images images, int evalLimit, List<String> inputShapeSpecs) {

  /** Calibration images of data-driven selectors by default. */
  public static final int DEFAULT_CALIBRATION_IMAGES = 64;

  /**
   * Training images per data-driven step (each 0 = off).
   *
   * @param calibration the calibration batch of data-driven selectors
   * @param refit the output reconstruction
   * @param dataAware the data-aware factorization (0 = factors from the weights alone)
   * @param sequential fit the data-aware factors layer by layer to the compressed model's inputs
   *     (false: to the original model's, one pass)
   */
  public record Images(int calibration, int refit, int dataAware, boolean sequential) {
    public Images {
      nonNegative("calibration images", calibration);
      nonNegative("refit images", refit);
      nonNegative("data-aware images", dataAware);
    }

    private static void nonNegative(String what, int n) {
      if (n < 0) {
        throw new IllegalArgumentException(what + " must be >= 0 (0 = off), got " + n);
      }
    }
  }

  public DataSpec {
    java.util.Objects.requireNonNull(images, "images");
    if (evalLimit < -1) {
      throw new IllegalArgumentException(
          "evaluation limit must be >= 0 (0 = the whole test split) or -1 (none), got "
              + evalLimit);
    }
    inputShapeSpecs = List.copyOf(inputShapeSpecs);
  }

  /** No data; default image counts for when data is added; shapes as the model declares. */
  public static DataSpec none() {
    int refit = CompressionPipeline.DEFAULT_REFIT_IMAGES;
    return new DataSpec(
        null, new Images(DEFAULT_CALIBRATION_IMAGES, refit, refit, true), -1, List.of());
  }

  /** Whether labelled images are given. */
  public boolean present() {
    return source != null;
  }

  /** Whether the test split is evaluated. */
  public boolean evaluates() {
    return source != null && evalLimit >= 0;
  }

  public int calibrationImages() {
    return images.calibration();
  }

  public int refitImages() {
    return images.refit();
  }

  public int dataAwareImages() {
    return images.dataAware();
  }

  public boolean sequential() {
    return images.sequential();
  }

  public DataSpec withSource(DataSource v) {
    return new DataSpec(v, images, evalLimit, inputShapeSpecs);
  }

  public DataSpec withImages(Images v) {
    return new DataSpec(source, v, evalLimit, inputShapeSpecs);
  }

  public DataSpec withCalibrationImages(int v) {
    return withImages(new Images(v, images.refit(), images.dataAware(), images.sequential()));
  }

  public DataSpec withRefitImages(int v) {
    return withImages(new Images(images.calibration(), v, images.dataAware(), images.sequential()));
  }

  /** Data-aware factorization on {@code images} training images (0 = off), sequential or not. */
  public DataSpec withDataAware(int n, boolean sequential) {
    return withImages(new Images(images.calibration(), images.refit(), n, sequential));
  }

  public DataSpec withEvalLimit(int v) {
    return new DataSpec(source, images, v, inputShapeSpecs);
  }

  public DataSpec withInputShapeSpecs(List<String> v) {
    return new DataSpec(source, images, evalLimit, v);
  }
}
