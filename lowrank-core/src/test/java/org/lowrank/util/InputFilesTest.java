package org.lowrank.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputFilesTest {
  @TempDir Path tmp;

  @Test
  void anEndlessDeviceFailsFastNamingTheFile() throws Exception {
    Path zero = Path.of("/dev/zero");
    Assumptions.assumeTrue(Files.isReadable(zero), "no /dev/zero here");
    long t0 = System.nanoTime();
    String msg =
        assertThrows(
                IllegalArgumentException.class, () -> InputFiles.readString(zero, 1 << 20, "plan"))
            .getMessage();
    assertTrue(msg.startsWith("/dev/zero: more than 1048576 bytes; not a plan"), msg);
    assertTrue(System.nanoTime() - t0 < 5e9, "bounded read");
  }

  @Test
  void smallFilesAreReadWhole() throws Exception {
    Path f = Files.writeString(tmp.resolve("p.json"), "{\"a\": 1}");
    assertEquals("{\"a\": 1}", InputFiles.readString(f, 8, "plan"));
    assertThrows(IllegalArgumentException.class, () -> InputFiles.readString(f, 7, "plan"));
  }
}
