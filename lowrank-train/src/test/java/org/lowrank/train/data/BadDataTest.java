package org.lowrank.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.train.eval.Evaluator;
import org.lowrank.train.finetune.FineTuneConfig;
import org.lowrank.train.finetune.FineTuner;
import org.lowrank.train.finetune.FineTunerTest;

/**
 * Datasets with gaps and malformed files: stable labels, clear errors naming the file, no bombs.
 */
class BadDataTest {
  private static final List<String> ALL = List.of("ant", "bee", "cat", "dog");

  /** An allocation bound far below what any of the malformed headers announce. */
  private static final long ALLOCATION_LIMIT_BYTES = 64L << 20;

  @TempDir Path tmp;

  @Test
  void aSplitWithAnEmptyAndAMissingClassFolderKeepsTheLabelsOfTheOtherSplit() throws Exception {
    Path dir = MalformedData.writeSplitsWithGaps(tmp.resolve("imgs"));
    Path zip = MalformedData.writeSplitsWithGapsZip(tmp.resolve("imgs.zip"));
    for (Path root : List.of(dir, zip)) {
      try (ImageFolderDataset train = open(root, "train")) {
        assertEquals(ALL, train.classNames());
        assertEquals(List.of(), train.missingClasses());
        assertEquals(3, train.get(3).label());
      }
      String[] log = new String[1];
      try (ImageFolderDataset test = captureStderr(() -> open(root, "test"), log)) {
        assertEquals(ALL, test.classNames(), root.toString());
        assertEquals(2, test.size());
        assertEquals(0, test.get(0).label());
        assertEquals(
            3, test.get(1).label(), "dog keeps label 3 although bee and cat have no images");
        assertEquals(List.of("bee", "cat"), test.missingClasses());
        assertTrue(log[0].contains("[bee, cat]") && log[0].contains(root.toString()), log[0]);
      }
    }
  }

  @Test
  void declaredClassesFixTheLabelsAndRejectAnUnknownFolder() throws Exception {
    Path dir = MalformedData.writeSplitsWithGaps(tmp.resolve("imgs"));
    List<String> declared = List.of("ant", "bee", "cat", "dog", "eel");
    try (ImageFolderDataset test =
        ImageFolderDataset.builder()
            .setRoot(dir)
            .optSplit("test")
            .optClassNames(declared)
            .build()) {
      assertEquals(declared, test.classNames());
      assertEquals(3, test.get(1).label());
      assertEquals(List.of("bee", "cat", "eel"), test.missingClasses());
    }
    DatasetException e =
        assertThrows(
            DatasetException.class,
            () ->
                ImageFolderDataset.builder()
                    .setRoot(dir)
                    .optSplit("train")
                    .optClassNames(List.of("ant", "bee", "cat"))
                    .build());
    assertTrue(
        e.getMessage().contains("'train/dog'") && e.getMessage().contains(dir.toString()),
        e.getMessage());
  }

  @Test
  void aClassCountThatDiffersFromTheModelsScoresIsAnErrorNamingBoth() throws Exception {
    Path dir = MalformedData.writeSplitsWithGaps(tmp.resolve("imgs"));
    try (ImageFolderDataset test = open(dir, "test")) {
      Datasets.requireClassCount(test, 4);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> Datasets.requireClassCount(Datasets.first(test, 1), 10));
      assertTrue(
          e.getMessage().contains("4 classes") && e.getMessage().contains("10 scores"),
          e.getMessage());
      DataLoader loader = DataLoader.builder(test).setBatchSize(2).optPrefetch(false).build();
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> Evaluator.evaluate(b -> new float[b.size() * 5], loader));
      assertTrue(
          e.getMessage().contains("4 classes") && e.getMessage().contains("5 scores"),
          e.getMessage());
    }
    // fine-tuning a 3-class model on the 4 classes stops before the first step
    try (ImageFolderDataset train =
        ImageFolderDataset.builder()
            .setRoot(dir)
            .optSplit("train")
            .optResize(8, 8)
            .optChannels(1)
            .build()) {
      DataLoader loader = DataLoader.builder(train).setBatchSize(2).optPrefetch(false).build();
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  FineTuner.run(
                      FineTunerTest.tinyCnn(1),
                      loader,
                      FineTuneConfig.builder().optEpochs(1).build()));
      assertTrue(
          e.getMessage().contains("4 classes") && e.getMessage().contains("3 scores"),
          e.getMessage());
    }
    // guessed IDX class names ("0".."9") are not held against a 5-class model
    Path img =
        MalformedData.write(
            tmp.resolve("i"), MalformedData.idx(0x803, new int[] {2, 1, 1}, new byte[2]));
    Path lab = MalformedData.write(tmp.resolve("l"), MalformedData.idxLabels((byte) 0, (byte) 4));
    Datasets.requireClassCount(IdxDataset.read(img, lab), 5);
  }

  @Test
  void aPngDeclaring40000x40000PixelsIsRejectedFromItsHeaderNamingTheFile() throws Exception {
    byte[] bomb = MalformedData.pngBomb();
    assertTrue(bomb.length < 1000);
    Path dir = tmp.resolve("imgs");
    MalformedData.write(dir.resolve("train/cat/0.png"), MalformedData.png(4, 4, 0));
    MalformedData.write(dir.resolve("train/cat/1.png"), bomb);
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("train/cat/0.png", MalformedData.png(4, 4, 0));
    entries.put("train/cat/1.png", bomb);
    Path zip = MalformedData.writeZip(tmp.resolve("bomb.zip"), entries);
    for (Path root : List.of(dir, zip)) {
      try (ImageFolderDataset ds =
          ImageFolderDataset.builder().setRoot(root).optSplit("train").optResize(4, 4).build()) {
        DatasetException e = rejectedCheaply(() -> ds.get(1));
        String m = e.getMessage();
        assertTrue(
            m.contains(root.toString())
                && m.contains("1.png")
                && m.contains("40000x40000")
                && m.contains("limit"),
            m);
        DataLoader loader = DataLoader.builder(ds).setBatchSize(2).build();
        m = assertThrows(DatasetException.class, () -> loader.epoch(0).next()).getMessage();
        assertTrue(
            m.startsWith(root.toString()) && m.contains("1.png"), "said once, file first: " + m);
      }
    }
    // the first image sets the size without optResize: the bomb is caught while building
    MalformedData.write(dir.resolve("train/ape/0.png"), bomb);
    DatasetException e =
        rejectedCheaply(() -> ImageFolderDataset.builder().setRoot(dir).optSplit("train").build());
    assertTrue(e.getMessage().contains("ape/0.png"), e.getMessage());
  }

  @Test
  void corruptImagesAndZipsNameTheFileAndTheEntry() throws Exception {
    Path dir = tmp.resolve("imgs");
    MalformedData.write(dir.resolve("train/cat/0.jpg"), MalformedData.jpeg(4, 4));
    MalformedData.write(dir.resolve("train/cat/1.jpg"), MalformedData.corruptJpeg());
    MalformedData.write(
        dir.resolve("train/cat/2.jpg"), "not an image".getBytes(StandardCharsets.UTF_8));
    MalformedData.write(dir.resolve("train/cat/3.png"), MalformedData.wbmpLookalike());
    try (ImageFolderDataset ds = open(dir, "train")) {
      String m = assertThrows(DatasetException.class, () -> ds.get(1)).getMessage();
      assertTrue(
          m.contains(dir.resolve("train/cat/1.jpg").toString()) && m.contains("corrupt JPEG"), m);
      m = assertThrows(DatasetException.class, () -> ds.get(2)).getMessage();
      assertTrue(m.contains("2.jpg") && m.contains("not a JPEG or PNG"), m);
      m = assertThrows(DatasetException.class, () -> ds.get(3)).getMessage();
      assertTrue(m.contains("3.png") && m.contains("not a JPEG or PNG") && m.contains("00 00"), m);
    }
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("train/cat/0.jpg", MalformedData.jpeg(4, 4));
    entries.put("train/cat/1.jpg", MalformedData.corruptJpeg());
    Path zip = MalformedData.writeZip(tmp.resolve("c.zip"), entries);
    try (ImageFolderDataset ds = open(zip, "train")) {
      String m = assertThrows(DatasetException.class, () -> ds.get(1)).getMessage();
      assertTrue(m.contains(zip.toString()) && m.contains("entry train/cat/1.jpg"), m);
    }
    Path broken = MalformedData.write(tmp.resolve("broken.zip"), MalformedData.brokenZip());
    String m = assertThrows(DatasetException.class, () -> open(broken, "train")).getMessage();
    assertTrue(m.contains(broken.toString()) && m.contains("not a readable zip"), m);
  }

  @Test
  void idxHeadersThatLieAreRejectedNamingTheFileBeforeAllocating() throws Exception {
    Path lab = MalformedData.write(tmp.resolve("labels"), MalformedData.idxLabels((byte) 1));
    // 2000 x 1000 x 1000 = 2e9 bytes announced: fits an array, but the file has none of them
    for (boolean gz : new boolean[] {false, true}) {
      byte[] header = MalformedData.idxImagesHeaderOnly(2000, 1000, 1000);
      Path f =
          MalformedData.write(tmp.resolve("big" + gz), gz ? MalformedData.gzip(header) : header);
      String m = rejectedCheaply(() -> IdxDataset.read(f, lab)).getMessage();
      assertTrue(
          m.contains(f.toString()) && m.contains("2000x1000x1000") && m.contains("truncated"), m);
    }
    // a product past any array, and one that overflows 64 bits
    int max = Integer.MAX_VALUE;
    for (int[] dims : new int[][] {{60000, 40000, 40000}, {max, max, max}}) {
      Path f =
          MalformedData.write(tmp.resolve("huge"), MalformedData.idx(0x803, dims, new byte[16]));
      String m = rejectedCheaply(() -> IdxDataset.read(f, lab)).getMessage();
      assertTrue(m.contains(f.toString()) && m.contains(dims[0] + "x" + dims[1]), m);
    }
    Path empty = MalformedData.write(tmp.resolve("empty"), new byte[0]);
    String m = assertThrows(DatasetException.class, () -> IdxDataset.read(empty, lab)).getMessage();
    assertTrue(m.contains(empty.toString()) && m.contains("empty"), m);
    Path emptyGz = MalformedData.write(tmp.resolve("empty.gz"), MalformedData.gzip(new byte[0]));
    m = assertThrows(DatasetException.class, () -> IdxDataset.read(emptyGz, lab)).getMessage();
    assertTrue(m.contains(emptyGz.toString()) && m.contains("header"), m);
    Path shortHeader = MalformedData.write(tmp.resolve("short"), new byte[] {0, 0, 8, 3, 0, 0});
    m = assertThrows(DatasetException.class, () -> IdxDataset.read(shortHeader, lab)).getMessage();
    assertTrue(m.contains(shortHeader.toString()) && m.contains("truncated IDX header"), m);
    Path zeroRows =
        MalformedData.write(
            tmp.resolve("rows0"), MalformedData.idx(0x803, new int[] {1, 0, 5}, new byte[0]));
    m = assertThrows(DatasetException.class, () -> IdxDataset.read(zeroRows, lab)).getMessage();
    assertTrue(m.contains(zeroRows.toString()) && m.contains("dimension 1 is 0"), m);
    byte[] gz = MalformedData.gzip(MalformedData.idx(0x803, new int[] {1, 1, 1}, new byte[1]));
    gz[gz.length / 2] ^= 0x5a;
    Path corruptGz = MalformedData.write(tmp.resolve("corrupt.gz"), gz);
    m = assertThrows(DatasetException.class, () -> IdxDataset.read(corruptGz, lab)).getMessage();
    assertTrue(m.contains(corruptGz.toString()), m);
  }

  private static ImageFolderDataset open(Path root, String split) throws Exception {
    return ImageFolderDataset.builder().setRoot(root).optSplit(split).build();
  }

  /** Runs {@code action}, expecting a DatasetException after allocating little memory. */
  private static DatasetException rejectedCheaply(Executable action) {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long before = mx.getThreadAllocatedBytes(id);
    DatasetException e = assertThrows(DatasetException.class, action);
    long allocated = mx.getThreadAllocatedBytes(id) - before;
    assertTrue(allocated < ALLOCATION_LIMIT_BYTES, "allocated " + allocated + " bytes");
    return e;
  }

  private interface Opener<T> {
    T get() throws Exception;
  }

  /** Runs {@code open} with System.err captured into {@code log[0]} (slf4j-simple logs there). */
  private static <T> T captureStderr(Opener<T> open, String[] log) throws Exception {
    PrintStream saved = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      return open.get();
    } finally {
      System.setErr(saved);
      log[0] = buf.toString(StandardCharsets.UTF_8);
    }
  }
}
