export { type ModelFactory, createModel } from './model-factory.js';
export { builtinModels, createModelRegistry } from './registry.js';
export { describeModel, type ModelDescription, type OptionDescription } from './describe-model.js';
export { singleNeuron, type SingleNeuronOptions } from './single-neuron.js';
export { mlp, buildMlp, type MlpOptions } from './mlp.js';
export { lenet300100, type Lenet300100Options } from './lenet-300-100.js';
export { conv2 } from './conv2.js';
export { conv4 } from './conv4.js';
export { conv6 } from './conv6.js';
export { buildConvNet, convNetSchema, convNetDefaults, type ConvNetOptions } from './convnet.js';
export { vgg11 } from './vgg11.js';
export { vgg16 } from './vgg16.js';
export {
  buildVgg,
  vggSchema,
  vggDefaults,
  VGG11_PLAN,
  VGG16_PLAN,
  type VggOptions,
  type VggPlan,
} from './vgg.js';
export { resnet18 } from './resnet18.js';
export { resnet50 } from './resnet50.js';
export { buildResNet, resnetSchema, type ResNetOptions, type ResNetBlock } from './resnet.js';
export { fromLayersModel, type FromLayersModelOptions, type PrunableSelector } from './from-layers-model.js';
export {
  Network,
  kaimingNormal,
  normalInit,
  fillNormal,
  constantInit,
  checkInput,
  type NetworkSpec,
  type ForwardFn,
  type InitRule,
  type InitContext,
} from './network.js';
export {
  dense,
  conv2d,
  batchNorm,
  maxPool,
  globalAvgPool,
  flatten,
  type Layer,
  type DenseOptions,
  type Conv2dOptions,
  type BatchNormOptions,
} from './layers.js';
export { imageShapeSchema, inputShapeSchema, classesSchema, widthSchema } from './options.js';
