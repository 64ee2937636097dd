package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.demo.DemoModels;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.onnx.OnnxWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** What the CLI prints: help, one-line errors for resource failures, warnings, safe names. */
class CliMessagesTest {
  @TempDir Path tmp;

  record Run(int code, String out, String err) {}

  static Run run(CommandLine cl, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void topLevelHelpShowsWholeDescriptions() {
    Run r = run(Main.commandLine(), "--help");
    String flat = r.out().replaceAll("\\s+", " ");
    for (CommandLine sub : Main.commandLine().getSubcommands().values()) {
      CommandLine.Model.UsageMessageSpec u = sub.getCommandSpec().usageMessage();
      String[] d = u.header().length > 0 ? u.header() : u.description();
      String whole = String.join(" ", d).replaceAll("\\s+", " ");
      assertTrue(flat.contains(whole), "--help shows all of '" + whole + "':\n" + r.out());
    }
    assertTrue(run(Main.commandLine(), "plan", "--help").out().contains("datafree"));
  }

  /** A verb that fails the way the JVM or a native library does. */
  @Command(name = "boom")
  static final class Boom implements Callable<Integer> {
    final Throwable t;

    Boom(Throwable t) {
      this.t = t;
    }

    @Override
    public Integer call() throws Exception {
      if (t instanceof Error e) {
        throw e;
      }
      throw (Exception) t;
    }
  }

  private static Run boom(Throwable t) {
    CommandLine cl = Main.commandLine();
    cl.addSubcommand("boom", new Boom(t));
    return run(cl, "boom");
  }

  @Test
  void resourceErrorsAreOneLineWithTheSettingToChange() {
    Run oom = boom(new OutOfMemoryError("Java heap space"));
    assertEquals(ExitCodes.RESOURCE, oom.code(), oom.err());
    assertTrue(
        oom.err().startsWith("lowrank boom: out of memory (Java heap space; Java heap limit ")
            && oom.err().contains("LOWRANK_JAVA_OPTS=-Xmx16g"),
        oom.err());
    assertEquals(1, oom.err().strip().lines().count(), oom.err());

    Run so = boom(new StackOverflowError());
    assertEquals(ExitCodes.BAD_INPUT, so.code(), so.err());
    assertTrue(so.err().contains("nested too deeply") && so.err().contains("-Xss"), so.err());
    assertFalse(so.err().contains("\tat "), so.err());

    Run javacpp =
        boom(
            new OutOfMemoryError(
                "Physical memory usage is too high: physicalBytes (9G) "
                    + "> maxPhysicalBytes (8G)"));
    assertTrue(javacpp.err().contains("-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"), javacpp.err());

    Run torch =
        boom(
            new RuntimeException(
                "wrapped",
                new IllegalStateException(
                    "[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: not "
                        + "enough memory: you tried to allocate 123456789 bytes.\nframe #0")));
    assertEquals(ExitCodes.RESOURCE, torch.code(), torch.err());
    assertTrue(
        torch.err().contains("out of native memory in PyTorch")
            && torch.err().contains("-Xmx does not limit them"),
        torch.err());
    assertEquals(1, torch.err().strip().lines().count(), torch.err());

    Run trace = run(withBoom(new OutOfMemoryError("Java heap space")), "boom", "--stacktrace");
    assertTrue(
        trace.err().contains("OutOfMemoryError"),
        "--stacktrace shows the original: " + trace.err());
  }

  private static CommandLine withBoom(Throwable t) {
    CommandLine cl = Main.commandLine();
    cl.addSubcommand("boom", new Boom(t));
    return cl;
  }

  @Test
  void moreThreadsThanCoresWarns() {
    int cores = Runtime.getRuntime().availableProcessors();
    PrintStream saved = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      run(
          Main.commandLine(),
          "plan",
          tmp.resolve("none.onnx").toString(),
          "-o",
          tmp.resolve("p.json").toString(),
          "--threads",
          Integer.toString(cores + 1));
      String err = captured.toString(StandardCharsets.UTF_8);
      assertTrue(
          err.contains("--threads " + (cores + 1) + " is more than the " + cores + " cores"), err);
      captured.reset();
      run(
          Main.commandLine(),
          "plan",
          tmp.resolve("none.onnx").toString(),
          "-o",
          tmp.resolve("p.json").toString(),
          "--threads",
          Integer.toString(cores));
      assertFalse(captured.toString(StandardCharsets.UTF_8).contains("more than"));
    } finally {
      System.setErr(saved);
    }
  }

  @Test
  void escapeSequencesInNodeNamesAreNotPrintedRaw() throws Exception {
    Model m = DemoModels.fashionCnn(3);
    String evil = "conv2\u001b[2J\u001b]0;owned\u0007";
    java.util.List<Node> nodes = new java.util.ArrayList<>();
    for (Node n : m.graph().nodes()) {
      nodes.add(n.name().equals("conv2") ? n.toBuilder().name(evil).build() : n);
    }
    Model renamed = Model.of(m.graph().toBuilder().nodes(nodes).build(), m.opset());
    Path file = tmp.resolve("evil.onnx");
    OnnxWriter.write(renamed, file);
    Run r = run(Main.commandLine(), "inspect", file.toString());
    assertEquals(0, r.code(), r.err());
    assertFalse(
        r.out().contains("\u001b") || r.out().contains("\u0007"), "raw escape codes printed");
    assertTrue(r.out().contains("conv2\\u001b[2J\\u001b]0;owned\\u0007"), r.out());

    Run p =
        run(
            Main.commandLine(),
            "plan",
            file.toString(),
            "-o",
            tmp.resolve("p.json").toString(),
            "-q",
            "--method",
            "tucker",
            "--selector",
            "ratio");
    assertEquals(0, p.code(), p.err());
    assertFalse(p.out().contains("\u001b"), "plan table: raw escape codes printed");
  }

  @Test
  void evaluateAgainstPrintsAgreementNotARecord() throws Exception {
    BadInputSuiteTest.Fixture f =
        new BadInputSuiteTest.Fixture(Files.createDirectories(tmp.resolve("f")));
    Run r =
        run(
            Main.commandLine(),
            "evaluate",
            f.model().toString(),
            "--data",
            f.data().toString(),
            "--against",
            f.model().toString(),
            "-q");
    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.out()
            .contains("agreement with model.onnx on 16 images: top-1 100.00%, mean KL 0.0000 nats"),
        r.out());
    assertFalse(r.out().contains("AgreementResult["), r.out());
  }
}
