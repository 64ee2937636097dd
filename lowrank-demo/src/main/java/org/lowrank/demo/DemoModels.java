package org.lowrank.demo;

import org.lowrank.graph.Model;

/**
 * Untrained, seeded CNNs for 1 x 28 x 28 images (Fashion-MNIST), built directly in the graph IR at
 * ONNX opset {@value #OPSET}: input {@value #INPUT} [N, 1, 28, 28] with a symbolic batch dimension,
 * output {@value #OUTPUT} [N, 10] (unnormalized class scores). Every layer has a bias. Weights are
 * He-normal (N(0, 2 / fan_in)) except the output layer (N(0, 1 / fan_in)); biases are zero. The
 * same seed gives bit-identical weights. Train them with {@link DemoTrainer}.
 */
public final class DemoModels {
  /** ONNX opset of the built models. */
  public static final long OPSET = 13;

  /** Name of the image input [N, 1, 28, 28]. */
  public static final String INPUT = "input";

  /** Name of the logits output [N, 10]. */
  public static final String OUTPUT = "logits";

  /** Channels, height and width of the input. */
  public static final long[] IMAGE_SHAPE = {1, 28, 28};

  /** Number of classes. */
  public static final int CLASSES = 10;

  private DemoModels() {}

  /**
   * The demo model: conv3x3(1->32) ReLU, MaxPool2, conv3x3(32->64) ReLU, MaxPool2, conv3x3(64->64)
   * ReLU, Flatten, Gemm(3136->256) ReLU, Gemm(256->10). Spatial sizes 28 -> 14 -> 7. Parameters
   * 861,386 (fc1 803,072 of them); 6,450,176 multiply-accumulates per image, dominated by conv2
   * (3.61 M) and conv3 (1.81 M). Compressible in both kinds of layers: the dense layers hold 93% of
   * the parameters, the convolutions 87% of the MACs. Trained by {@link DemoTrainer}'s defaults (3
   * epochs) it reaches about 91.6% test top-1.
   */
  public static Model fashionCnn(long seed) {
    return new CnnBuilder("fashion_cnn", INPUT, 1, 28, 28, seed)
        .conv("conv1", 32, 3)
        .relu("relu1")
        .maxPool2("pool1")
        .conv("conv2", 64, 3)
        .relu("relu2")
        .maxPool2("pool2")
        .conv("conv3", 64, 3)
        .relu("relu3")
        .flatten("flatten")
        .dense("fc1", 256, true)
        .relu("relu4")
        .dense("fc2", CLASSES, false)
        .build(OUTPUT, OPSET);
  }

  /**
   * A VGG-style model with large dense layers (issue 7, experiment 2): two blocks of two
   * conv3x3+ReLU (32 then 64 channels) each closed by MaxPool2, then Flatten, Gemm(3136->512) ReLU,
   * Gemm(512->512) ReLU, Gemm(512->10). Parameters 1,938,922 (dense 1,873,930, 96.6%); 20,162,048
   * MACs per image (convolutions 90.7%).
   */
  public static Model vggStyle(long seed) {
    return new CnnBuilder("vgg_style", INPUT, 1, 28, 28, seed)
        .conv("conv1_1", 32, 3)
        .relu("relu1_1")
        .conv("conv1_2", 32, 3)
        .relu("relu1_2")
        .maxPool2("pool1")
        .conv("conv2_1", 64, 3)
        .relu("relu2_1")
        .conv("conv2_2", 64, 3)
        .relu("relu2_2")
        .maxPool2("pool2")
        .flatten("flatten")
        .dense("fc1", 512, true)
        .relu("relu_fc1")
        .dense("fc2", 512, true)
        .relu("relu_fc2")
        .dense("fc3", CLASSES, false)
        .build(OUTPUT, OPSET);
  }
}
