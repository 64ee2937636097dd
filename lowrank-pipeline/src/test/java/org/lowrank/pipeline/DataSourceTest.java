package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.train.data.Normalization;

class DataSourceTest {
  @TempDir Path tmp;

  @Test
  void idxImagesWithoutTheirLabelsNameTheMissingFile() throws Exception {
    ByteBuffer idx = ByteBuffer.allocate(16 + 4).putInt(0x803).putInt(1).putInt(2).putInt(2);
    Files.write(tmp.resolve("t10k-images-idx3-ubyte"), idx.array());
    DataSource data = new DataSource(tmp, Normalization.unit());
    NoSuchFileException e =
        assertThrows(NoSuchFileException.class, () -> data.open("test", new long[] {1, 1, 2, 2}));
    assertTrue(
        e.getMessage().contains(tmp.resolve("t10k-labels-idx1-ubyte").toString())
            && e.getMessage().contains("t10k-images-idx3-ubyte"),
        e.getMessage());
  }
}
