package org.lowrank.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.lowrank.train.data.IdxDataset;
import org.lowrank.train.data.ImageDataset;
import org.lowrank.train.data.ImageFolderDataset;
import org.lowrank.train.data.Normalization;

/**
 * A labelled image dataset on disk with train and test splits, read the way the model expects:
 *
 * <ul>
 *   <li>a directory with IDX files (MNIST family, e.g. Fashion-MNIST): {@code
 *       train-images-idx3-ubyte [.gz]} / {@code train-labels-idx1-ubyte[.gz]} for "train", {@code
 *       t10k-*} for "test";
 *   <li>class folders {@code split/class/*.jpg|png} in a directory or a .zip file.
 * </ul>
 *
 * Images are resized to the model's input height and width and converted to its channel count.
 *
 * @param path the directory or zip
 * @param normalization per-channel mean and std applied after scaling pixels to [0, 1]
 */
public record DataSource(Path path, Normalization normalization) {

  /** Opens split "train" or "test" shaped for a model input [N, channels, height, width]. */
  public ImageDataset open(String split, long[] modelInput) throws IOException {
    if (!Files.exists(path)) {
      throw new NoSuchFileException(
          path.toString(),
          null,
          "dataset not found (a directory of IDX files, or class folders in a directory or .zip)");
    }
    if (modelInput.length != 4) {
      throw new IllegalArgumentException(
          "image datasets feed NCHW models; the model input is " + Arrays.toString(modelInput));
    }
    int c = (int) modelInput[1];
    int h = (int) modelInput[2];
    int w = (int) modelInput[3];
    ImageDataset ds;
    Path idx = idxFile(split, "images-idx3-ubyte");
    if (idx != null) {
      Path labels = idxFile(split, "labels-idx1-ubyte");
      if (labels == null) {
        Path expected = path.resolve(idxPrefix(split) + "-labels-idx1-ubyte[.gz]");
        throw new NoSuchFileException(
            expected.toString(),
            null,
            "the labels of " + idx.getFileName() + " are missing; put them beside it");
      }
      ds = IdxDataset.read(idx, labels);
    } else {
      ds =
          ImageFolderDataset.builder()
              .setRoot(path)
              .optSplit(split)
              .optChannels(c == 1 ? 1 : 3)
              .optResize(h, w)
              .build();
    }
    if (ds.channels() != c || ds.height() != h || ds.width() != w) {
      String found = ds.channels() + "x" + ds.height() + "x" + ds.width();
      ds.close();
      throw new IllegalArgumentException(
          String.format(
              "%s: images are %s but the model expects %dx%dx%d (channels x height x width); "
                  + "use a dataset that matches the model or override --input-shape",
              ds.description(), found, c, h, w));
    }
    return ds;
  }

  /** MNIST's file prefix of a split: "t10k" for "test". */
  private static String idxPrefix(String split) {
    return split.equals("test") ? "t10k" : split;
  }

  private Path idxFile(String split, String kind) {
    if (!Files.isDirectory(path)) {
      return null;
    }
    String prefix = idxPrefix(split);
    for (String name : new String[] {prefix + "-" + kind + ".gz", prefix + "-" + kind}) {
      Path p = path.resolve(name);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }
}
