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

  /**
   * picocli runs every description through String.format while drawing the help; a lone '%' makes
   * it warn on stderr and print the raw text.
   */
  @Test
  void everyHelpPageRendersWithoutFormatWarnings() {
    CommandLine root = Main.commandLine();
    java.util.List<CommandLine> commands =
        new java.util.ArrayList<>(root.getSubcommands().values());
    commands.add(root);
    java.io.PrintStream saved = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    StringBuilder pages = new StringBuilder();
    try {
      System.setErr(
          new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
      for (CommandLine cl : commands) {
        pages.append(cl.getUsageMessage());
      }
    } finally {
      System.setErr(saved);
    }
    String warnings = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(
        warnings.isEmpty(), "help rendering warned (escape % as %% in descriptions): " + warnings);
    assertTrue(pages.toString().contains("--prune-latency"), "the plan page was not rendered");
  }

  @Test
  void failuresMapToNamedExitCodes() {
    assertEquals(ExitCodes.BAD_INPUT, ExitCodes.of(new IllegalArgumentException("x")));
    assertEquals(
        ExitCodes.BAD_INPUT, ExitCodes.of(new java.nio.file.NoSuchFileException("m.onnx")));
    assertEquals(ExitCodes.UNSUPPORTED, ExitCodes.of(new UnsupportedOperationException("Loop")));
    assertEquals(ExitCodes.INTERNAL, ExitCodes.of(new NullPointerException()));
  }
}
