/**
 * Image datasets for evaluation and fine-tuning: IDX files (MNIST family), image class folders in a
 * directory or zip (CIFAR-10 JPEG), subsets, and a {@link org.lowrank.train.data.DataLoader} with
 * seeded shuffling, augmentation, normalization and prefetching. Out: NCHW float {@link
 * org.lowrank.train.data.Batch}es. Next: {@code eval} and {@code finetune}. Labels mean the same
 * class in every split; a malformed file is a {@link org.lowrank.train.data.DatasetException}
 * naming it, found from headers before large allocations.
 */
package org.lowrank.train.data;
