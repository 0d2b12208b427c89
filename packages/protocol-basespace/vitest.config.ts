import { protocolPackageConfig } from "../../vitest.shared.ts";

export default protocolPackageConfig();
