package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

  private static int run(StringWriter out, StringWriter err, String... args) {
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  @Test
  void unknownOptionIsBadInputWithOneLineHint() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = run(out, err, "--no-such-option");
    assertEquals(ExitCodes.BAD_INPUT, code);
    assertTrue(err.toString().startsWith("lowrank: "), err.toString());
    assertTrue(err.toString().contains("--no-such-option"), err.toString());
  }

  @Test
  void helpListsUsage() {
    StringWriter out = new StringWriter();
    int code = run(out, new StringWriter(), "--help");
    assertEquals(ExitCodes.OK, code);
    assertTrue(out.toString().contains("Usage: lowrank"), out.toString());
  }

  @Test
  void failuresMapToNamedExitCodes() {
    assertEquals(ExitCodes.BAD_INPUT, ExitCodes.of(new IllegalArgumentException("x")));
    assertEquals(ExitCodes.BAD_INPUT, ExitCodes.of(new java.nio.file.NoSuchFileException("m.onnx")));
    assertEquals(ExitCodes.UNSUPPORTED, ExitCodes.of(new UnsupportedOperationException("Loop")));
    assertEquals(ExitCodes.INTERNAL, ExitCodes.of(new NullPointerException()));
  }
}
