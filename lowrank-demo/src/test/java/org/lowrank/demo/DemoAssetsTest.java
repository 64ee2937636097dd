package org.lowrank.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.graph.Model;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;

class DemoAssetsTest {

  /** A quick stand-in for the default recipe: 1 epoch on 512 images, tested on 256. */
  private static DemoTrainer quick() {
    return DemoTrainer.builder()
        .optSeed(DemoAssets.SEED)
        .optEpochs(1)
        .optTrainLimit(512)
        .optTestLimit(256)
        .build();
  }

  private static float[] fc1(Model m) {
    return m.graph().initializers().get("fc1.weight").toFloatArray();
  }

  @Test
  void trainsOnFirstUseThenLoadsTheCachedFile(@TempDir Path tmp) throws Exception {
    Path data = FashionData.directory();
    Path cache = tmp.resolve("cache");
    DemoAsset first = DemoAssets.trained(DemoModel.FASHION_CNN, cache, data, quick());
    assertTrue(first.trained());
    assertEquals(cache.resolve(DemoModel.FASHION_CNN.fileName()), first.file());
    assertTrue(Files.isRegularFile(first.file()));
    try (var files = Files.list(cache)) {
      assertEquals(1, files.count(), "no temporary file left behind");
    }
    DemoAssets.check(DemoModel.FASHION_CNN, OnnxReader.read(first.file()), first.file());

    DemoAsset second = DemoAssets.trained(DemoModel.FASHION_CNN, cache, data, quick());
    assertFalse(second.trained(), "second call reads the cache");
    assertArrayEquals(fc1(first.model()), fc1(second.model()));
    assertEquals(first.file(), second.file());
  }

  @Test
  void unusableCacheFilesAreReplaced(@TempDir Path tmp) throws Exception {
    Path data = FashionData.directory();
    Path file = tmp.resolve(DemoModel.FASHION_CNN.fileName());

    Files.write(file, new byte[] {8, 1, 18, 3, 'b', 'a', 'd', 0x7f, 0x7f});
    DemoAsset fromGarbage = DemoAssets.trained(DemoModel.FASHION_CNN, tmp, data, quick());
    assertTrue(fromGarbage.trained());
    DemoAssets.check(DemoModel.FASHION_CNN, OnnxReader.read(file), file);

    // a valid ONNX file holding another model is not mistaken for the demo model
    OnnxWriter.write(DemoModels.vggStyle(0), file);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DemoAssets.check(DemoModel.FASHION_CNN, OnnxReader.read(file), file));
    assertTrue(
        e.getMessage().contains(file.toString())
            && e.getMessage().contains("not the fashion_cnn model"),
        e.getMessage());
    DemoAssets.check(DemoModel.VGG_STYLE, OnnxReader.read(file), file);
    assertTrue(DemoAssets.trained(DemoModel.FASHION_CNN, tmp, data, quick()).trained());

    // a truncated file
    byte[] good = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(good, good.length / 2));
    DemoAsset fromTruncated = DemoAssets.trained(DemoModel.FASHION_CNN, tmp, data, quick());
    assertTrue(fromTruncated.trained());
    assertArrayEquals(
        fc1(fromGarbage.model()), fc1(fromTruncated.model()), "same seed, same model");
    assertFalse(DemoAssets.trained(DemoModel.FASHION_CNN, tmp, data, quick()).trained());
  }

  @Test
  void missingDatasetNamesTheDebianPackage(@TempDir Path tmp) {
    Path noData = tmp.resolve("no-data");
    NoSuchFileException e =
        assertThrows(
            NoSuchFileException.class,
            () -> DemoAssets.trained(DemoModel.FASHION_CNN, tmp.resolve("cache"), noData, quick()));
    assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
    assertTrue(e.getMessage().contains("scripts/install.sh"), e.getMessage());
    assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("cache")), "nothing written");
    NoSuchFileException t =
        assertThrows(NoSuchFileException.class, () -> FashionMnist.test(noData));
    assertTrue(t.getMessage().contains("t10k-labels-idx1-ubyte.gz"), t.getMessage());
  }

  @Test
  void unwritableCacheFolderFailsBeforeTraining(@TempDir Path tmp) throws Exception {
    Path data = FashionData.directory();
    Path notADir = tmp.resolve("file");
    Files.writeString(notADir, "x");
    DemoTrainer failing =
        DemoTrainer.builder()
            .optTrainLimit(64)
            .optListener(
                new org.lowrank.progress.ProgressListener() {
                  @Override
                  public void start(String task, long total) {
                    throw new AssertionError("no training may start: " + task);
                  }
                })
            .build();
    java.io.IOException e =
        assertThrows(
            java.io.IOException.class,
            () -> DemoAssets.trained(DemoModel.FASHION_CNN, notADir, data, failing));
    assertTrue(
        e.getMessage().contains(notADir.toString()) && e.getMessage().contains("LOWRANK_CACHE"),
        e.getMessage());
  }
}
