export { ArrayDataset, createArrayDataset, type ArraySplit, type ArrayDatasetSpec } from './array-dataset.js';
export { drawCropFlip, writeCropFlip, type Augmentation, type CropFlip } from './augment.js';
export { channelStats, type ChannelStats, type NormalizeOption } from './normalize.js';
export { epochOrder, shuffleInPlace } from './order.js';
export { holdOut, validationCount, type HoldOut } from './split.js';
export { loadDataset, type DatasetFactory } from './dataset-factory.js';
export {
  validationSchema,
  normalizeSchema,
  seedSchema,
  fileOptionsShape,
  type FileDatasetOptions,
} from './options.js';
export { dataError } from './data-error.js';
export { DATA_DIR_ENV, DEBIAN_FASHION_MNIST_DIR, locateDataDir, type DataLocation } from './data-dir.js';
export {
  parseIdx,
  readIdxFile,
  readIdxFileAsync,
  findIdxFile,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  type IdxArray,
} from './idx.js';
export {
  readIdxSplit,
  loadIdxDataset,
  idxLocation,
  IDX_FILE_NAMES,
  type IdxSplit,
} from './idx-dataset.js';
export { mnist, mnistLocation, type MnistOptions } from './mnist.js';
export { fashionMnist, fashionMnistLocation, type FashionMnistOptions } from './fashion-mnist.js';
export { readCifarFiles, CIFAR_PIXELS, type CifarLayout, type CifarExamples } from './cifar-binary.js';
export { cifar10, cifar10Location, CIFAR10_FILES, type Cifar10Options } from './cifar10.js';
export { cifar100, cifar100Location, CIFAR100_FILES, type Cifar100Options } from './cifar100.js';
export { jpegInfo, decodeJpegRgb, type JpegInfo } from './jpeg.js';
export {
  tinyImagenet,
  tinyImagenetLocation,
  indexTinyImagenet,
  decodeTinyImagenet,
  TINY_IMAGENET_SIZE,
  type TinyImagenetOptions,
  type TinyImagenetIndex,
} from './tiny-imagenet.js';
export { teacherNeuron, teacherSamples, type TeacherNeuronOptions } from './teacher-neuron.js';
export { gaussianMixture, mixtureSamples, type GaussianMixtureOptions } from './gaussian-mixture.js';
export { builtinDatasets, createDatasetRegistry, type AnyDatasetFactory } from './registry.js';
export { DATASET_SOURCES, type DatasetSource, type SourceFile, type FetchableDataset } from './sources.js';
export {
  downloadFile,
  sha256File,
  type FetchLike,
  type DownloadOptions,
  type Downloaded,
} from './download.js';
export { safeArchivePath } from './archive-path.js';
export { crc32 } from './crc32.js';
export { readTar, extractTarGz, type TarEntry } from './tar.js';
export { listZip, zipEntryData, extractZip, type ZipEntry } from './zip.js';
export { fetchDataset, type FetchDatasetOptions, type FetchDatasetResult } from './fetch-dataset.js';
export {
  checkDataset,
  checkDatasetFolder,
  type DatasetCheck,
  type DataCheckReport,
} from './check-dataset.js';
