export {
  SparsePattern,
  sparseMatMul,
  sparseMatMulGradInput,
  sparseMatMulGradWeight,
} from './sparse-matmul.js';
export {
  sparseMatMulOp,
  sparseMatMulSupported,
  registerSparseKernels,
  SPARSE_MATMUL,
  SPARSE_BACKENDS,
  DEFAULT_SPARSE_DENSITY,
  sparseDensityThreshold,
} from './sparse-op.js';
