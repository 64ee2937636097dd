package org.lowrank.util;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An output is refused when it is an input under any name, or cannot be written. */
class OutputPathsTest {
  @TempDir Path tmp;

  private String refused(Path out, Path in) {
    return assertThrows(
            IllegalArgumentException.class,
            () -> OutputPaths.check(Map.of("output model", out), Map.of("plan file", in)))
        .getMessage();
  }

  @Test
  void anInputUnderAnyNameIsRefused() throws Exception {
    Path plan = Files.writeString(tmp.resolve("plan.json"), "{}");
    Files.createDirectories(tmp.resolve("sub"));
    Path symlink = Files.createSymbolicLink(tmp.resolve("link.json"), plan);
    Path hardLink = Files.createLink(tmp.resolve("hard.json"), plan);
    for (Path out :
        new Path[] {
          plan,
          symlink,
          hardLink,
          tmp.resolve("sub/../plan.json"),
          tmp.resolve("sub").resolve("..").resolve("link.json")
        }) {
      String msg = refused(out, plan);
      assertTrue(
          msg.contains("would overwrite the plan file") && msg.contains(out.toString()), msg);
    }
    assertDoesNotThrow(
        () ->
            OutputPaths.check(
                Map.of("output model", tmp.resolve("new.onnx")), Map.of("plan file", plan)));
  }

  @Test
  void aDirectoryOrAPathUnderAFileIsRefused() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("out.report.json"));
    String msg =
        assertThrows(
                IllegalArgumentException.class,
                () -> OutputPaths.check(Map.of("JSON report", dir), Map.of()))
            .getMessage();
    assertTrue(msg.contains("is a directory"), msg);
    Path file = Files.writeString(tmp.resolve("file"), "x");
    msg =
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    OutputPaths.check(
                        Map.of("output model", file.resolve("deeper/out.onnx")), Map.of()))
            .getMessage();
    assertTrue(msg.contains(file + " is not a directory"), msg);
    assertDoesNotThrow(
        () -> OutputPaths.check(Map.of("output model", tmp.resolve("new/dir/out.onnx")), Map.of()));
  }
}
