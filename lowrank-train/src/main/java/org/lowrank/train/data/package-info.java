/**
 * Image datasets for evaluation and fine-tuning: IDX files (MNIST family), image class folders in a
 * directory or zip (CIFAR-10 JPEG), subsets, and a {@link org.lowrank.train.data.DataLoader} with
 * seeded shuffling, augmentation, normalization and prefetching. Out: NCHW float
 * {@link org.lowrank.train.data.Batch}es. Next: {@code eval} and {@code finetune}.
 */
package org.lowrank.train.data;
