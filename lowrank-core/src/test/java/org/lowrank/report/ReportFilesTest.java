package org.lowrank.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportFilesTest {

  @Test
  void writesReplacesAndLeavesNoTemporaryFile(@TempDir Path dir) throws IOException {
    Path target = dir.resolve("sub/report.html");
    ReportFiles.writeAtomically(target, "first \u00e9");
    assertEquals("first \u00e9", Files.readString(target, StandardCharsets.UTF_8));
    ReportFiles.writeAtomically(target, "second");
    assertEquals("second", Files.readString(target));
    try (Stream<Path> files = Files.list(target.getParent())) {
      assertEquals(1, files.count(), "only the report remains");
    }
  }
}
