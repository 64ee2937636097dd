package org.lowrank.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;

/** The window rules of the ONNX Conv / ConvTranspose / pooling specs, worked by hand. */
class ConvAttributesTest {

  private static Node.Builder conv(String op) {
    return Node.builder(op).name("c").inputs("x", "w").outputs("y");
  }

  @Test
  void sameUpperPutsTheOddPadAtTheEndSameLowerAtTheBeginning() {
    // in 6, k 3, s 2: out ceil(6/2) = 3, total (3-1)*2 + 3 - 6 = 1
    Window up =
        ConvAttributes.of(
                conv("Conv").attr("auto_pad", "SAME_UPPER").attrInts("strides", 2).build())
            .window(new long[] {6}, new long[] {3});
    assertArrayEquals(new long[] {3}, up.outSpatial());
    assertArrayEquals(new long[] {0, 1}, up.pads());
    Window low =
        ConvAttributes.of(
                conv("Conv").attr("auto_pad", "SAME_LOWER").attrInts("strides", 2).build())
            .window(new long[] {6}, new long[] {3});
    assertArrayEquals(new long[] {1, 0}, low.pads());
    // in 5, k 4, dilation 1, s 1: total 3 -> 1 + 2 (upper), 2 + 1 (lower); 2-D axes resolved
    // separately
    Window up2 =
        ConvAttributes.of(conv("Conv").attr("auto_pad", "SAME_UPPER").build())
            .window(new long[] {5, 4}, new long[] {4, 1});
    assertArrayEquals(new long[] {5, 4}, up2.outSpatial());
    assertArrayEquals(new long[] {1, 0, 2, 0}, up2.pads());
    Window low2 =
        ConvAttributes.of(conv("Conv").attr("auto_pad", "SAME_LOWER").build())
            .window(new long[] {5, 4}, new long[] {4, 1});
    assertArrayEquals(new long[] {2, 0, 1, 0}, low2.pads());
  }

  @Test
  void validIgnoresPadsAndCeilModeKeepsThePartialWindow() {
    Window valid =
        ConvAttributes.of(
                conv("Conv")
                    .attr("auto_pad", "VALID")
                    .attrInts("strides", 2)
                    .attrInts("pads", 5, 5)
                    .build())
            .window(new long[] {7}, new long[] {3});
    assertArrayEquals(new long[] {3}, valid.outSpatial());
    assertArrayEquals(new long[] {0, 0}, valid.pads());
    Node pool =
        Node.builder("MaxPool")
            .name("p")
            .inputs("x")
            .outputs("y")
            .attrInts("kernel_shape", 3)
            .attrInts("strides", 2)
            .build();
    ConvAttributes floor = ConvAttributes.of(pool);
    assertArrayEquals(
        new long[] {2}, floor.window(new long[] {6}, floor.poolKernel()).outSpatial());
    ConvAttributes ceil = ConvAttributes.of(pool.toBuilder().attr("ceil_mode", 1).build());
    assertArrayEquals(new long[] {3}, ceil.window(new long[] {6}, ceil.poolKernel()).outSpatial());
    // dilation 2 widens k 3 to 5: (9 + 1 + 1 - 5) / 1 + 1 = 7
    Window dil =
        ConvAttributes.of(conv("Conv").attrInts("dilations", 2).attrInts("pads", 1, 1).build())
            .window(new long[] {9}, new long[] {3});
    assertArrayEquals(new long[] {7}, dil.outSpatial());
  }

  @Test
  void convTransposeOutputShapeFixesTheSizeAndSplitsThePadding() {
    // in 3, k 3, s 2: natural size 2*(3-1) + 3 = 7; output_shape 6 -> total padding 1
    Node n = conv("ConvTranspose").attrInts("strides", 2).attrInts("output_shape", 6).build();
    Window w = ConvAttributes.of(n).transposedWindow(new long[] {3}, new long[] {3});
    assertArrayEquals(new long[] {6}, w.outSpatial());
    assertArrayEquals(new long[] {1, 0}, w.pads()); // NOTSET: the odd pixel at the beginning
    Window upper =
        ConvAttributes.of(n.toBuilder().attr("auto_pad", "SAME_UPPER").build())
            .transposedWindow(new long[] {3}, new long[] {3});
    assertArrayEquals(new long[] {0, 1}, upper.pads());
    // output_shape may carry N and C: the last d values count
    Window full =
        ConvAttributes.of(
                conv("ConvTranspose")
                    .attrInts("strides", 2, 2)
                    .attrInts("output_shape", 1, 4, 6, 8)
                    .build())
            .transposedWindow(new long[] {3, 4}, new long[] {3, 3});
    assertArrayEquals(new long[] {6, 8}, full.outSpatial());
    assertArrayEquals(new long[] {1, 1, 0, 0}, full.pads()); // totals 1 and 2*3 + 3 - 8 = 1
    // SAME without output_shape: out = in * s
    Window same =
        ConvAttributes.of(
                conv("ConvTranspose").attr("auto_pad", "SAME_LOWER").attrInts("strides", 2).build())
            .transposedWindow(new long[] {3}, new long[] {3});
    assertArrayEquals(new long[] {6}, same.outSpatial());
    assertArrayEquals(new long[] {1, 0}, same.pads());
    // explicit pads and output_padding: 2*(3-1) + 1 + 3 - 1 - 1 = 6
    Window plain =
        ConvAttributes.of(
                conv("ConvTranspose")
                    .attrInts("strides", 2)
                    .attrInts("pads", 1, 1)
                    .attrInts("output_padding", 1)
                    .build())
            .transposedWindow(new long[] {3}, new long[] {3});
    assertArrayEquals(new long[] {6}, plain.outSpatial());
    assertArrayEquals(new long[] {1, 1}, plain.pads());
  }

  @Test
  void badAttributesNameTheNode() {
    ModelException e =
        assertThrows(
            ModelException.class,
            () -> ConvAttributes.of(conv("Conv").attr("auto_pad", "SAME").build()));
    assertTrue(
        e.getMessage().contains("c (Conv)") && e.getMessage().contains("SAME_UPPER"),
        e.getMessage());
    ConvAttributes a =
        ConvAttributes.of(
            conv("Conv").attrInts("kernel_shape", 3, 3).attrInts("strides", 1).build());
    e = assertThrows(ModelException.class, () -> a.kernel(new long[] {3, 5}));
    assertTrue(e.getMessage().contains("kernel_shape [3, 3]"), e.getMessage());
    e = assertThrows(ModelException.class, () -> a.window(new long[] {8, 8}, new long[] {3, 3}));
    assertTrue(e.getMessage().contains("strides [1]"), e.getMessage());
  }
}
