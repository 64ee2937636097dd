package org.lowrank.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.lowrank.analysis.InferredShapes;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.analysis.ShapeInference;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.UnsupportedModelException;
import org.lowrank.graph.ValueInfo;

/**
 * Every model.onnx of Debian's libonnx-testdata (the ONNX backend test suite, ~1070 small models):
 * each is read, written and re-read, profiled, and our inferred output shapes must equal the shapes
 * the test suite declares. Failures must be clean (format / unsupported-model exceptions).
 */
class OnnxTestDataCorpusTest {

  private static List<Path> corpus() throws IOException {
    Path root =
        Paths.get(System.getProperty("lowrank.onnxTestData", "/usr/share/libonnx-testdata/data"));
    Assumptions.assumeTrue(Files.isDirectory(root), "libonnx-testdata not installed: " + root);
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().equals("model.onnx"))
          .sorted()
          .collect(Collectors.toList());
    }
  }

  @Test
  void everyModelReadsRoundTripsAndHasMatchingShapes() throws IOException {
    List<Path> files = corpus();
    int read = 0;
    int profiled = 0;
    int unsupported = 0;
    int outputsChecked = 0;
    int outputsByRule = 0;
    for (Path f : files) {
      Model m;
      try {
        m = OnnxReader.read(f);
        read++;
      } catch (OnnxUnsupportedException e) {
        unsupported++;
        continue;
      }
      Model back = OnnxReader.parse(OnnxWriter.toBytes(m), f + " (rewritten)");
      TestModels.assertSameModel(m, back);
      try {
        ModelProfile.of(m);
        InferredShapes s = ShapeInference.infer(m);
        profiled++;
        for (ValueInfo o : m.graph().outputs()) {
          if (o.isFullyKnown()) {
            assertArrayEquals(o.dims(), s.require(o.name()), f + ": output " + o.name());
            outputsChecked++;
            Node producer = m.graph().producers().get(o.name());
            if (producer != null
                && producer.domain().isEmpty()
                && ShapeInference.supports(producer.opType())) {
              outputsByRule++;
            }
          }
        }
      } catch (UnsupportedModelException e) {
        assertTrue(e.getMessage().length() > 10);
      } catch (ModelException e) {
        throw new AssertionError(
            f + ": a valid test model was reported as malformed: " + e.getMessage(), e);
      }
    }
    System.out.printf(
        "libonnx-testdata: %d models, %d read, %d unsupported on read, %d profiled, %d output shapes"
            + " checked, %d of them computed by our shape rules%n",
        files.size(), read, unsupported, profiled, outputsChecked, outputsByRule);
    assertTrue(outputsByRule >= 500, outputsByRule + " outputs checked against our own rules");
    assertEquals(files.size(), read + unsupported);
    assertTrue(read >= files.size() * 0.99, read + " of " + files.size());
    assertTrue(profiled >= files.size() * 0.8, profiled + " of " + files.size());
  }
}
