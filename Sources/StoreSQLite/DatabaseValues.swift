import GRDB
import PipelineModel

extension RunState: DatabaseValueConvertible {}
extension Priority: DatabaseValueConvertible {}
extension TaskKind: DatabaseValueConvertible {}
