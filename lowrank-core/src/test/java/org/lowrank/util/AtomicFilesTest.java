package org.lowrank.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path tmp;

  /** A pid no process has: beyond Linux's pid_max (2^22). */
  private static final long DEAD_PID = 4_194_305L;

  @Test
  void temporaryFilesOfDeadRunsAreRemovedThoseOfLiveRunsKept() throws Exception {
    Path dead =
        Files.writeString(tmp.resolve(".out.onnx." + DEAD_PID + ".123456.tmp"), "half a model");
    Path live =
        Files.writeString(
            tmp.resolve(".out.onnx." + ProcessHandle.current().pid() + ".987654.tmp"),
            "being written");
    Path other = Files.writeString(tmp.resolve(".notes.tmp"), "not ours");
    AtomicFiles.writeString(tmp.resolve("out.onnx"), "model");
    assertFalse(Files.exists(dead), "a killed run's temporary file is cleaned");
    assertTrue(Files.exists(live), "a running process's temporary file is kept");
    assertTrue(Files.exists(other), "files not named like ours are kept");
    assertEquals("model", Files.readString(tmp.resolve("out.onnx")));
  }

  @Test
  void temporaryNamesCarryThePid() throws Exception {
    AtomicFiles.writeString(tmp.resolve("a.json"), "{}");
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(1, s.count(), "no temporary file left");
    }
    Path t = Files.createTempFile(tmp, ".a.json." + ProcessHandle.current().pid() + ".", ".tmp");
    assertTrue(AtomicFiles.removeDeadTemporaries(tmp).isEmpty());
    assertTrue(Files.exists(t));
  }

  @Test
  void writeAllIsAllOrNothingBeforeTheRenames() throws Exception {
    Path model = Files.writeString(tmp.resolve("out.onnx"), "old model");
    Path report = Files.writeString(tmp.resolve("out.report.json"), "old report");
    Files.writeString(tmp.resolve("file"), "a file, not a directory");
    Map<Path, byte[]> files = new LinkedHashMap<>();
    files.put(report, "new report".getBytes(StandardCharsets.UTF_8));
    files.put(tmp.resolve("file/cannot.json"), new byte[] {1});
    files.put(model, "new model".getBytes(StandardCharsets.UTF_8));
    assertThrows(IOException.class, () -> AtomicFiles.writeAll(files));
    assertEquals("old model", Files.readString(model));
    assertEquals("old report", Files.readString(report), "nothing renamed when one file fails");
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(0, s.filter(p -> p.getFileName().toString().endsWith(".tmp")).count());
    }

    files.remove(tmp.resolve("file/cannot.json"));
    AtomicFiles.writeAll(files);
    assertEquals("new model", Files.readString(model));
    assertEquals("new report", Files.readString(report));
  }
}
