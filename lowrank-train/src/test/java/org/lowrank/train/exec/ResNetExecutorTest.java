package org.lowrank.train.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxTensors;
import org.lowrank.train.TrainTestData;

/** The executor reproduces the stored reference outputs of the pretrained ResNets. */
class ResNetExecutorTest {

  @ParameterizedTest
  @ValueSource(strings = {"resnet20_cifar10", "resnet56_cifar10"})
  void reproducesStoredOutput(String name) throws Exception {
    Path dir = TrainTestData.require("models/" + name);
    Model model = OnnxReader.read(dir.resolve("model.onnx"));
    TensorValue input = OnnxTensors.read(dir.resolve("test_data_set_0/input_0.pb"));
    TensorValue expected = OnnxTensors.read(dir.resolve("test_data_set_0/output_0.pb"));
    try (GraphExecutor ex = GraphExecutor.of(model)) {
      String in = ex.inputNames().get(0);
      String out = ex.outputNames().get(0);
      Map<String, TensorValue> got = ex.run(Map.of(in, input), Set.of());
      TensorValue y = got.get(out);
      assertArrayEquals(expected.dims(), y.dims());
      double diff = TrainTestData.maxAbsDiff(expected.toFloatArray(), y.toFloatArray());
      assertTrue(diff < 1e-4, name + ": max |diff| = " + diff);
    }
  }
}
