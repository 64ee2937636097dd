package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;
import org.lowrank.LowrankException;
import org.lowrank.LowrankException.Kind;
import org.lowrank.decomp.ConvergenceException;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.UnsupportedModelException;
import org.lowrank.linalg.LinearAlgebraException;
import org.lowrank.onnx.OnnxFormatException;
import org.lowrank.onnx.OnnxUnsupportedException;
import org.lowrank.runtime.OrtRunException;
import org.lowrank.train.data.DatasetException;
import picocli.CommandLine;

/**
 * The exit code of every failure lowrank throws, one per exception class of each module, and the
 * rule along a cause chain. These are the codes the command documents; a change here is a change of
 * the command's contract.
 */
class ExitCodesTest {

  @Test
  void eachExceptionOfEachModuleHasItsExitCode() {
    assertEquals(ExitCodes.BAD_INPUT, ExitCodes.of(new ModelException("m")));
    assertEquals(ExitCodes.UNSUPPORTED, ExitCodes.of(new UnsupportedModelException("m")));
    assertEquals(ExitCodes.BAD_INPUT, ExitCodes.of(new OnnxFormatException("a.onnx", "m")));
    assertEquals(ExitCodes.UNSUPPORTED, ExitCodes.of(new OnnxUnsupportedException("a.onnx", "m")));
    assertEquals(ExitCodes.BAD_INPUT, ExitCodes.of(new DatasetException("m")));
    assertEquals(
        ExitCodes.UNSUPPORTED,
        ExitCodes.of(new org.lowrank.train.exec.UnsupportedOpException("Foo", "n", "m")));
    assertEquals(ExitCodes.INTERNAL, ExitCodes.of(new OrtRunException("m")));
    assertEquals(ExitCodes.INTERNAL, ExitCodes.of(new ConvergenceException("m")));
    assertEquals(ExitCodes.INTERNAL, ExitCodes.of(new LinearAlgebraException("m")));
    assertEquals(
        ExitCodes.RESOURCE,
        ExitCodes.of(ResourceFailures.map(new OutOfMemoryError("Java heap space"))));
    assertEquals(ExitCodes.BAD_INPUT, ExitCodes.of(ResourceFailures.map(new StackOverflowError())));
  }

  @Test
  void jdkExceptionsCountAsBadInputOrUnsupported() {
    assertEquals(ExitCodes.BAD_INPUT, ExitCodes.of(new IllegalArgumentException("m")));
    assertEquals(ExitCodes.BAD_INPUT, ExitCodes.of(new NoSuchFileException("a.onnx")));
    assertEquals(ExitCodes.BAD_INPUT, ExitCodes.of(new UncheckedIOException(new IOException("m"))));
    assertEquals(ExitCodes.UNSUPPORTED, ExitCodes.of(new UnsupportedOperationException("m")));
    assertEquals(ExitCodes.INTERNAL, ExitCodes.of(new IllegalStateException("m")));
    assertEquals(ExitCodes.INTERNAL, ExitCodes.of(new NullPointerException()));
  }

  @Test
  void everyKindHasAnExitCode() {
    assertEquals(ExitCodes.BAD_INPUT, ExitCodes.of(Kind.BAD_INPUT));
    assertEquals(ExitCodes.UNSUPPORTED, ExitCodes.of(Kind.UNSUPPORTED));
    assertEquals(ExitCodes.INTERNAL, ExitCodes.of(Kind.NUMERICAL));
    assertEquals(ExitCodes.INTERNAL, ExitCodes.of(Kind.RUNTIME));
    assertEquals(ExitCodes.INTERNAL, ExitCodes.of(Kind.INTERNAL));
  }

  /**
   * A failure the user can act on decides, wherever it is in the chain; else the outermost kind.
   */
  @Test
  void theCauseChainIsSearchedForBadInputOrUnsupported() {
    OrtRunException cannotRead =
        new OrtRunException("cannot read", new NoSuchFileException("a.onnx"));
    assertEquals(Kind.BAD_INPUT, ExitCodes.kindOf(cannotRead));
    assertEquals(ExitCodes.BAD_INPUT, ExitCodes.of(cannotRead));
    RuntimeException wrapped =
        new RuntimeException(
            new CommandLine.ExecutionException(
                new CommandLine(new Main()), "x", new UnsupportedModelException("op Foo")));
    assertEquals(ExitCodes.UNSUPPORTED, ExitCodes.of(wrapped));
    // the outer unsupported wins over a bad-input cause, as the nearer statement of the problem
    assertEquals(
        Kind.UNSUPPORTED,
        ExitCodes.kindOf(
            new UnsupportedModelException("op Foo", new IllegalArgumentException("x"))));
    assertEquals(
        Kind.NUMERICAL,
        ExitCodes.kindOf(new ConvergenceException("diverged", new OrtRunException("y"))));
    assertEquals(
        Kind.RUNTIME, ExitCodes.kindOf(new IllegalStateException(new OrtRunException("y"))));
    assertEquals(Kind.INTERNAL, ExitCodes.kindOf(new IllegalStateException("bug")));
  }

  @Test
  void aKindIsRequired() {
    assertEquals(
        "kind",
        org.junit.jupiter.api.Assertions.assertThrows(
                NullPointerException.class, () -> new LowrankException(null, "m"))
            .getMessage());
  }
}
