package org.lowrank.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.tensor.DenseTensor;

class WeightFileTest {
  @TempDir Path dir;

  @Test
  void roundTripsFloat32LittleEndian() throws IOException {
    DenseTensor t = DenseTensor.fromFloats(new float[] {1.5f, -2f, 3.25f, 0f, 7f, -1e-3f}, 2, 3);
    Path h = dir.resolve("w.json");
    WeightFile.write(h, t);
    assertEquals(24, Files.size(dir.resolve("w.bin")));
    byte[] b = Files.readAllBytes(dir.resolve("w.bin"));
    assertEquals(0, b[0]);
    assertEquals((byte) 0xC0, b[2]); // 1.5f = 0x3FC00000, little-endian: 00 00 C0 3F
    assertEquals((byte) 0x3F, b[3]);
    assertEquals(t, WeightFile.read(h));
  }

  @Test
  void rejectsSizeMismatch() throws IOException {
    Files.writeString(dir.resolve("x.json"), "{\"shape\":[2,2],\"dtype\":\"float32\"}");
    Files.write(dir.resolve("x.bin"), new byte[12]);
    IOException e = assertThrows(IOException.class, () -> WeightFile.read(dir.resolve("x.json")));
    assertTrue(e.getMessage().contains("needs 16 bytes"), e.getMessage());
  }

  @Test
  void quickRunPrintsTable() throws IOException {
    java.io.StringWriter out = new java.io.StringWriter();
    picocli.CommandLine cl = new picocli.CommandLine(new DecompositionBenchmark());
    cl.setOut(new java.io.PrintWriter(out));
    cl.setErr(new java.io.PrintWriter(new java.io.StringWriter()));
    int code =
        cl.execute(
            "--cases",
            "16x8x3x3,64x32",
            "--ranks",
            "4,100",
            "--repeats",
            "1",
            "--cp-iterations",
            "5");
    assertEquals(0, code);
    String table = out.toString();
    assertTrue(table.contains("tucker2-hooi"), table);
    assertTrue(table.contains("ttm"), table);
    assertTrue(!table.contains("[100,100]"), "infeasible rank 100 must be skipped: " + table);
  }
}
