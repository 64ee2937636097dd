package org.lowrank.train.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxTensors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the ONNX backend node tests shipped by Debian's libonnx-testdata for every test whose ops the
 * executor supports and compares with the expected outputs (|got - want| <= 1e-4 + 1e-3 |want|).
 * The pass count is asserted against the measured value so regressions fail the build, while a few
 * exotic attribute combinations may fail without breaking it.
 */
class OnnxNodeTestSuiteTest {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxNodeTestSuiteTest.class);
  private static final Path NODE_DIR = Path.of("/usr/share/libonnx-testdata/data/node");
  /** Measured on 2026-12-04 (+2: nearest Upsample/Resize; see the log line of this test); lower only with a reason. */
  static final int MIN_FLOAT_PASSES = 303;
  /** All passes, including integer/boolean-output cases (e.g. Shape). */
  static final int MIN_PASSES = 363;

  private enum Outcome { PASS, FAIL, ERROR, SKIP_UNREADABLE, SKIP_UNSUPPORTED, SKIP_TYPES }

  @Test
  void supportedNodeTestsMatchExpectedOutputs() throws IOException {
    Assumptions.assumeTrue(Files.isDirectory(NODE_DIR), "libonnx-testdata not installed");
    List<Path> dirs;
    try (Stream<Path> s = Files.list(NODE_DIR)) {
      dirs = s.filter(Files::isDirectory).sorted().toList();
    }
    Map<Outcome, List<String>> byOutcome = new TreeMap<>();
    int floatPasses = 0;
    int passes = 0;
    int floatCases = 0;
    List<String> bugs = new ArrayList<>();
    for (Path dir : dirs) {
      String name = dir.getFileName().toString();
      Result r = runOne(dir);
      byOutcome.computeIfAbsent(r.outcome, k -> new ArrayList<>()).add(name + (r.detail.isEmpty() ? "" : ": " + r.detail));
      if (r.floatTyped && (r.outcome == Outcome.PASS || r.outcome == Outcome.FAIL || r.outcome == Outcome.ERROR)) {
        floatCases++;
        if (r.outcome == Outcome.PASS) {
          floatPasses++;
        }
      }
      if (r.outcome == Outcome.PASS) {
        passes++;
      }
      if (r.bug) {
        bugs.add(name + ": " + r.detail);
      }
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<Outcome, List<String>> e : byOutcome.entrySet()) {
      sb.append(e.getKey()).append(' ').append(e.getValue().size()).append('\n');
      if (e.getKey() == Outcome.FAIL || e.getKey() == Outcome.ERROR || e.getKey() == Outcome.SKIP_UNSUPPORTED) {
        for (String s : e.getValue()) {
          if (e.getKey() == Outcome.SKIP_UNSUPPORTED && !s.contains(":")) {
            continue; // op type without a kernel: not listed one by one
          }
          sb.append("   ").append(s).append('\n');
        }
      }
    }
    LOG.info("ONNX node tests: {} pass; float-typed {} / {} pass\n{}", passes, floatPasses, floatCases, sb);
    assertEquals(List.of(), bugs, "programming errors (NPE, index, cast) while running node tests");
    assertTrue(passes >= MIN_PASSES, "passes " + passes + " < " + MIN_PASSES);
    assertTrue(floatPasses >= MIN_FLOAT_PASSES, "float-typed passes " + floatPasses + " < " + MIN_FLOAT_PASSES);
  }

  private record Result(Outcome outcome, String detail, boolean floatTyped, boolean bug) {}

  private static Result runOne(Path dir) {
    Model model;
    try {
      model = OnnxReader.read(dir.resolve("model.onnx"));
    } catch (Exception e) {
      return new Result(Outcome.SKIP_UNREADABLE, "", false, false);
    }
    for (Node n : model.graph().nodes()) {
      if (!Kernels.isSupported(n.opType())) {
        return new Result(Outcome.SKIP_UNSUPPORTED, "", false, false);
      }
    }
    List<ValueInfo> ins = model.graph().runtimeInputs();
    List<ValueInfo> outs = model.graph().outputs();
    for (ValueInfo v : ins) {
      if (!okType(v.elementType())) {
        return new Result(Outcome.SKIP_TYPES, "", false, false);
      }
    }
    boolean floatTyped = !outs.isEmpty();
    for (ValueInfo v : outs) {
      if (!okType(v.elementType())) {
        return new Result(Outcome.SKIP_TYPES, "", false, false);
      }
      floatTyped &= v.elementType() == DataType.FLOAT;
    }
    for (ValueInfo v : ins) {
      floatTyped &= v.elementType() == DataType.FLOAT || v.elementType() == DataType.INT64;
    }
    List<Path> sets;
    try (Stream<Path> s = Files.list(dir)) {
      sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
    } catch (IOException e) {
      return new Result(Outcome.SKIP_UNREADABLE, "", false, false);
    }
    try (GraphExecutor ex = GraphExecutor.of(model)) {
      for (Path set : sets) {
        Map<String, TensorValue> feeds = new LinkedHashMap<>();
        for (int i = 0; i < ins.size(); i++) {
          Path f = set.resolve("input_" + i + ".pb");
          if (Files.exists(f)) {
            feeds.put(ins.get(i).name(), OnnxTensors.read(f));
          }
        }
        Map<String, TensorValue> got = ex.run(feeds, Set.of());
        for (int i = 0; i < outs.size(); i++) {
          TensorValue want = OnnxTensors.read(set.resolve("output_" + i + ".pb"));
          String msg = compare(want, got.get(outs.get(i).name()));
          if (msg != null) {
            return new Result(Outcome.FAIL, set.getFileName() + " output " + i + ": " + msg, floatTyped, false);
          }
        }
      }
      return new Result(Outcome.PASS, "", floatTyped, false);
    } catch (UnsupportedOpException e) {
      return new Result(Outcome.SKIP_UNSUPPORTED, e.getMessage().split(" \\(supported")[0], false, false);
    } catch (NullPointerException | ClassCastException | IndexOutOfBoundsException e) {
      return new Result(Outcome.ERROR, e.toString(), floatTyped, true);
    } catch (Exception e) {
      String m = String.valueOf(e.getMessage());
      return new Result(Outcome.ERROR, e.getClass().getSimpleName() + ": " + m.substring(0, Math.min(200, m.length())), floatTyped, false);
    }
  }

  private static boolean okType(DataType t) {
    return t == DataType.FLOAT || t == DataType.INT64 || t == DataType.BOOL;
  }

  private static String compare(TensorValue want, TensorValue got) {
    if (got == null) {
      return "missing";
    }
    if (!Arrays.equals(want.dims(), got.dims())) {
      return "shape " + Arrays.toString(got.dims()) + " vs expected " + Arrays.toString(want.dims());
    }
    float[] w = want.toFloatArray();
    float[] g = got.toFloatArray();
    for (int i = 0; i < w.length; i++) {
      if (Float.isNaN(w[i]) && Float.isNaN(g[i])) {
        continue;
      }
      if (w[i] == g[i]) {
        continue;
      }
      if (!(Math.abs(w[i] - g[i]) <= 1e-4 + 1e-3 * Math.abs(w[i]))) {
        return "element " + i + ": " + g[i] + " vs expected " + w[i];
      }
    }
    return null;
  }
}
