/** One file to download: where from, its name on disk, and what it must hash to. */
export interface SourceFile {
  /** Download URL. */
  readonly url: string;
  /** File name on disk (also appended to `baseUrl` when a mirror is given). */
  readonly file: string;
  /** Lower-case hex SHA-256 of the file as served. */
  readonly sha256: string;
  /** Size in bytes, when known (checked too). */
  readonly bytes?: number;
}

/** Where a dataset comes from and what its download turns into on disk. */
export interface DatasetSource {
  /** Human name. */
  readonly title: string;
  /**
   * The folder the dataset ends up in under the download directory: plain files are saved into
   * it; an archive must contain it as its top-level folder.
   */
  readonly folder: string;
  /** `none`: the files are used as they are; otherwise each file is an archive to extract. */
  readonly archive: 'none' | 'tar.gz' | 'zip';
  readonly files: readonly SourceFile[];
  /** Where the checksums come from. */
  readonly provenance: string;
}

/** The names {@link fetchDataset} can download. */
export type FetchableDataset = 'mnist' | 'fashion-mnist' | 'cifar10' | 'cifar100' | 'tiny-imagenet';

const TFDS = 'SHA-256 and size as recorded in TensorFlow Datasets (tensorflow_datasets/url_checksums)';
const MNIST_BASE = 'https://storage.googleapis.com/cvdf-datasets/mnist/';
const FASHION_BASE = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/**
 * Known download locations and checksums. The SHA-256 values are those TensorFlow Datasets
 * records for the same URLs; the Fashion-MNIST ones were also checked against Debian's
 * `dataset-fashion-mnist` files (same deflate streams; the restored gzip headers hash to these
 * values and to the MD5s the Fashion-MNIST authors publish). MNIST comes from Google's CVDF
 * mirror (the original yann.lecun.com host often refuses downloads); pass `baseUrl` for another mirror.
 *
 * @example
 * ```ts
 * DATASET_SOURCES.cifar10.files[0]!.url; // 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz'
 * ```
 */
export const DATASET_SOURCES: Readonly<Record<FetchableDataset, DatasetSource>> = {
  mnist: {
    title: 'MNIST',
    folder: 'mnist',
    archive: 'none',
    provenance: `${TFDS}; files identical to the originals of http://yann.lecun.com/exdb/mnist/`,
    files: [
      {
        url: `${MNIST_BASE}train-images-idx3-ubyte.gz`,
        file: 'train-images-idx3-ubyte.gz',
        sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
        bytes: 9912422,
      },
      {
        url: `${MNIST_BASE}train-labels-idx1-ubyte.gz`,
        file: 'train-labels-idx1-ubyte.gz',
        sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
        bytes: 28881,
      },
      {
        url: `${MNIST_BASE}t10k-images-idx3-ubyte.gz`,
        file: 't10k-images-idx3-ubyte.gz',
        sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
        bytes: 1648877,
      },
      {
        url: `${MNIST_BASE}t10k-labels-idx1-ubyte.gz`,
        file: 't10k-labels-idx1-ubyte.gz',
        sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
        bytes: 4542,
      },
    ],
  },
  'fashion-mnist': {
    title: 'Fashion-MNIST',
    folder: 'fashion-mnist',
    archive: 'none',
    provenance: `${TFDS}; verified against Debian's dataset-fashion-mnist and the authors' published MD5s`,
    files: [
      {
        url: `${FASHION_BASE}train-images-idx3-ubyte.gz`,
        file: 'train-images-idx3-ubyte.gz',
        sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
        bytes: 26421880,
      },
      {
        url: `${FASHION_BASE}train-labels-idx1-ubyte.gz`,
        file: 'train-labels-idx1-ubyte.gz',
        sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
        bytes: 29515,
      },
      {
        url: `${FASHION_BASE}t10k-images-idx3-ubyte.gz`,
        file: 't10k-images-idx3-ubyte.gz',
        sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
        bytes: 4422102,
      },
      {
        url: `${FASHION_BASE}t10k-labels-idx1-ubyte.gz`,
        file: 't10k-labels-idx1-ubyte.gz',
        sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
        bytes: 5148,
      },
    ],
  },
  cifar10: {
    title: 'CIFAR-10',
    folder: 'cifar-10-batches-bin',
    archive: 'tar.gz',
    provenance: TFDS,
    files: [
      {
        url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
        file: 'cifar-10-binary.tar.gz',
        sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
        bytes: 170052171,
      },
    ],
  },
  cifar100: {
    title: 'CIFAR-100',
    folder: 'cifar-100-binary',
    archive: 'tar.gz',
    provenance: TFDS,
    files: [
      {
        url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
        file: 'cifar-100-binary.tar.gz',
        sha256: '58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec',
        bytes: 168513733,
      },
    ],
  },
  'tiny-imagenet': {
    title: 'Tiny ImageNet',
    folder: 'tiny-imagenet-200',
    archive: 'zip',
    provenance: TFDS,
    files: [
      {
        url: 'http://cs231n.stanford.edu/tiny-imagenet-200.zip',
        file: 'tiny-imagenet-200.zip',
        sha256: '6198c8ae015e2b3e007c7841da39ec069199b9aa3bfa943a462022fe5e43c821',
        bytes: 248100043,
      },
    ],
  },
};
