package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.lowrank.cli.CliMessagesTest.Run;
import picocli.CommandLine;

/** JavaCPP's OutOfMemoryError thrown on a worker thread arrives wrapped; it is still reported. */
class WrappedOutOfMemoryTest {

  @Test
  void aWrappedNativeOutOfMemoryErrorIsAOneLineResourceFailure() {
    CommandLine cl = Main.commandLine();
    cl.addSubcommand(
        "boom",
        new CliMessagesTest.Boom(
            new ExecutionException(
                new OutOfMemoryError(
                    "Failed to allocate memory within limits: totalBytes (120M + 16M) > maxBytes"
                        + " (128M)"))));
    Run r = CliMessagesTest.run(cl, "boom");
    assertEquals(ExitCodes.RESOURCE, r.code(), r.err());
    assertTrue(
        r.err().startsWith("lowrank boom: out of native memory (Failed to allocate")
            && r.err().contains("-Dorg.bytedeco.javacpp.maxBytes=0")
            && r.err().contains("--memory-budget"),
        r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }
}
