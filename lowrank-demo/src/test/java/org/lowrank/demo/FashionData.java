package org.lowrank.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.lowrank.train.data.IdxDataset;

/** Fashion-MNIST for tests, read once; tests are skipped when the Debian package is absent. */
final class FashionData {
  private static IdxDataset train;
  private static IdxDataset test;

  private FashionData() {}

  static Path directory() {
    Path dir = FashionMnist.directory();
    Assumptions.assumeTrue(
        Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz")),
        "Fashion-MNIST not installed in " + dir);
    return dir;
  }

  static synchronized IdxDataset train() throws IOException {
    if (train == null) {
      train = FashionMnist.train(directory());
    }
    return train;
  }

  static synchronized IdxDataset test() throws IOException {
    if (test == null) {
      test = FashionMnist.test(directory());
    }
    return test;
  }
}
