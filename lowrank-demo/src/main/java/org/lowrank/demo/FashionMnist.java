package org.lowrank.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lowrank.train.data.IdxDataset;
import org.lowrank.train.data.Normalization;

/**
 * Fashion-MNIST (Xiao et al. 2017: 60,000 training and 10,000 test grey 28 x 28 images of 10
 * clothing classes) as installed by Debian's {@value #DEBIAN_PACKAGE} package: gzipped IDX files
 * {@code {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz} in {@value #DEFAULT_DIRECTORY}. The
 * folder can be moved with the system property {@value #DIRECTORY_PROPERTY} or the environment
 * variable {@value #DIRECTORY_ENV} (the property wins).
 */
public final class FashionMnist {
  /** The Debian package that ships the files. */
  public static final String DEBIAN_PACKAGE = "dataset-fashion-mnist";

  /** Where Debian installs the files. */
  public static final String DEFAULT_DIRECTORY = "/usr/share/datasets/fashion-mnist";

  /** System property naming another folder with the four files. */
  public static final String DIRECTORY_PROPERTY = "lowrank.fashionMnist.dir";

  /** Environment variable naming another folder with the four files. */
  public static final String DIRECTORY_ENV = "LOWRANK_FASHION_MNIST";

  /** Label i is CLASS_NAMES.get(i). */
  public static final List<String> CLASS_NAMES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  /**
   * The pixel normalization the demo models are trained with: x = (p / 255 - 0.2860) / 0.3530, the
   * mean and standard deviation of the training images.
   */
  public static final Normalization NORMALIZATION =
      Normalization.of(new float[] {0.2860f}, new float[] {0.3530f});

  private FashionMnist() {}

  /** The folder holding the files: the property, else the environment variable, else Debian's. */
  public static Path directory() {
    String p = System.getProperty(DIRECTORY_PROPERTY);
    if (p == null || p.isBlank()) {
      p = System.getenv(DIRECTORY_ENV);
    }
    return Path.of(p == null || p.isBlank() ? DEFAULT_DIRECTORY : p);
  }

  /** The 60,000 training images from {@link #directory()}. */
  public static IdxDataset train() throws IOException {
    return train(directory());
  }

  /** The 10,000 test images from {@link #directory()}. */
  public static IdxDataset test() throws IOException {
    return test(directory());
  }

  /** The training split from {@code dir}. */
  public static IdxDataset train(Path dir) throws IOException {
    return split(dir, "train");
  }

  /** The test split ("t10k") from {@code dir}. */
  public static IdxDataset test(Path dir) throws IOException {
    return split(dir, "t10k");
  }

  private static IdxDataset split(Path dir, String prefix) throws IOException {
    Path images = dir.resolve(prefix + "-images-idx3-ubyte.gz");
    Path labels = dir.resolve(prefix + "-labels-idx1-ubyte.gz");
    List<String> missing = new ArrayList<>();
    for (Path f : List.of(images, labels)) {
      if (!Files.isRegularFile(f)) {
        missing.add(f.getFileName().toString());
      }
    }
    if (!missing.isEmpty()) {
      throw new NoSuchFileException(
          dir.toString(),
          null,
          "Fashion-MNIST not found: "
              + String.join(" and ", missing)
              + " missing in "
              + dir
              + "; install the Debian package "
              + DEBIAN_PACKAGE
              + " (sudo apt-get install "
              + DEBIAN_PACKAGE
              + ", or run scripts/install.sh), or point -D"
              + DIRECTORY_PROPERTY
              + " or $"
              + DIRECTORY_ENV
              + " at a folder with the four .gz files");
    }
    return IdxDataset.read(images, labels, CLASS_NAMES);
  }
}
