package org.lowrank.bench.timing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.cost.Method;
import org.lowrank.graph.Model;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.train.search.SearchLayer;

/** The layer selection of {@link SearchTiming} on the real ResNet-20 (no search is run). */
class SearchTimingTest {

  private static Path resnet20() {
    String p = System.getProperty("LOWRANK_SHARED_DATA", System.getenv("LOWRANK_SHARED_DATA"));
    Path data = p != null ? Path.of(p) : Path.of("..", "..", "shared", "data");
    return data.resolve("models/resnet20_cifar10/model.onnx");
  }

  @Test
  void selectsTheEighteen3x3ConvsOfResNet20() throws Exception {
    Path file = resnet20();
    Assumptions.assumeTrue(Files.isRegularFile(file), "ResNet-20 not found at " + file);
    Model model = OnnxReader.read(file);
    ModelProfile profile = ModelProfile.of(model);
    for (Method m : List.of(Method.TT, Method.CP)) {
      List<SearchLayer> layers = SearchTiming.selectLayers(model, profile, m);
      // 19 3x3 convs; the first (3 -> 16, 432 weights) is below the 512-weight default
      assertEquals(18, layers.size());
      for (SearchLayer l : layers) {
        assertEquals(4, l.weight().rank());
        assertEquals(3, l.weight().dim(2));
        assertTrue(l.weight().elementCount() >= 512);
        assertEquals(m, l.method());
      }
    }
  }
}
