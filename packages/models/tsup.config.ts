import { libraryConfig } from '../../tools/tsup.base';

export default libraryConfig();
