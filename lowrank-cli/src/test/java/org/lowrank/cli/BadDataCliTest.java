package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cli.CliCommandsTest.Run;
import org.lowrank.train.data.MalformedData;

/** evaluate --data with malformed datasets: exit 2 and a message naming the file. */
class BadDataCliTest {
  @TempDir Path tmp;

  @Test
  void aDecompressionBombAndAClassMissingFromEverySplitExitWithBadInput() throws Exception {
    Path model = CliCommandsTest.resnet20();
    Path data = MalformedData.writeSplitsWithGaps(tmp.resolve("gaps"));
    Run r = CliCommandsTest.run("evaluate", model.toString(), "--data", data.toString(), "-q");
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    assertTrue(r.err().contains("4 classes") && r.err().contains("10 scores"), r.err());
    MalformedData.write(tmp.resolve("bomb/test/cat/0.png"), MalformedData.pngBomb());
    r =
        CliCommandsTest.run(
            "evaluate", model.toString(), "--data", tmp.resolve("bomb").toString(), "-q");
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    assertTrue(r.err().contains(tmp.resolve("bomb/test/cat/0.png").toString()), r.err());
  }
}
