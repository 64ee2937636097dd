package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.demo.DemoModel;
import org.lowrank.demo.FashionMnist;
import org.lowrank.onnx.OnnxWriter;

/**
 * The demo end to end, with an untrained model placed in the cache (so no training happens) and two
 * fine-tuning steps: every stage runs and the model and reports are written.
 */
class DemoCommandTest {
  @TempDir Path tmp;

  @Test
  void demoCompressesFineTunesAndReports() throws Exception {
    Assumptions.assumeTrue(
        Files.isDirectory(FashionMnist.directory()), "Fashion-MNIST not installed");
    Path cache = tmp.resolve("cache");
    Files.createDirectories(cache);
    OnnxWriter.write(
        DemoModel.FASHION_CNN.build(5), cache.resolve(DemoModel.FASHION_CNN.fileName()));
    Path out = tmp.resolve("out");
    CliCommandsTest.Run r =
        CliCommandsTest.run(
            "demo",
            "-o",
            out.toString(),
            "--cache",
            cache.toString(),
            "--finetune-steps",
            "2",
            "--keep-params",
            "0.2",
            "--eval-limit",
            "300",
            "-q",
            "--threads",
            "1");
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.isRegularFile(out.resolve("fashion-cnn-v1.lowrank.onnx")));
    assertTrue(Files.readString(out.resolve("report.html")).contains("<svg"));
    assertTrue(r.out().contains("top-1") && r.out().contains("latency"), r.out());
  }
}
