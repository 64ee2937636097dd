package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ONNX Runtime's unpacked libraries leave no directory behind (ORT 1.29 left one per run). */
class OrtNativesTest {
  @TempDir Path tmp;

  /** Starts ORT and prints the directory its libraries were unpacked into. */
  public static final class Child {
    public static void main(String[] args) {
      OrtNatives.environment();
      System.out.println(OrtNatives.ortTempDirectory().orElseThrow());
    }
  }

  @Test
  void aRunLeavesNoOnnxRuntimeDirectory() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-Djava.io.tmpdir=" + tmp,
                Child.class.getName())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    String[] lines = out.split("\n");
    Path dir = Path.of(lines[lines.length - 1]);
    assertTrue(dir.getFileName().toString().startsWith("onnxruntime-java"), out);
    assertEquals(tmp, dir.getParent(), out);
    assertFalse(Files.exists(dir), "the child's ORT directory is gone after it exited: " + dir);
    try (var left = Files.list(tmp)) {
      assertEquals(List.of(), left.toList());
    }
  }

  @Test
  void emptyDirectoriesOfEarlierRunsAreRemovedOthersKept() throws Exception {
    Instant now = Instant.now();
    Path stale = Files.createDirectory(tmp.resolve("onnxruntime-java123"));
    Path fresh = Files.createDirectory(tmp.resolve("onnxruntime-java456"));
    Path inUse = Files.createDirectory(tmp.resolve("onnxruntime-java789"));
    Files.writeString(inUse.resolve("libonnxruntime.so"), "loaded");
    Path other = Files.createDirectory(tmp.resolve("something-else"));
    for (Path d : List.of(stale, inUse, other)) {
      Files.setLastModifiedTime(d, FileTime.from(now.minusSeconds(3600)));
    }
    assertEquals(List.of(stale), OrtNatives.removeStale(tmp, now.minus(OrtNatives.STALE_AFTER)));
    assertTrue(Files.exists(fresh) && Files.exists(inUse) && Files.exists(other));
  }
}
