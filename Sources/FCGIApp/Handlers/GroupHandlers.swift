import MessagingCore

/// Group administration: members, roles, name and avatar. Admin-only except leaving.
enum GroupHandlers {
    static func register(_ router: inout Router) {
        router.add("POST", "/api/messages/groups/:conversationId/members", addMembers)
        router.add("DELETE", "/api/messages/groups/:conversationId/members/:userId", removeMember)
        router.add("PATCH", "/api/messages/groups/:conversationId/members/:userId", setRole)
        router.add("PATCH", "/api/messages/groups/:conversationId", update)
    }

    static func addMembers(_ exchange: Exchange) throws -> HTTPResponse {
        let roomId = try exchange.pathId("conversationId")
        guard let userIds = try exchange.body().ids("userIds", maxCount: GroupLimits.members), !userIds.isEmpty else {
            throw APIError.validation("userIds must name at least one user.")
        }
        let db = try exchange.db
        let added = try GroupStore(db).addMembers(roomId: roomId, actorId: exchange.userId, userIds: userIds)
        if !added.isEmpty { exchange.context.wakeup.poke() }
        return .json(200, [
            "added": .array(added.map { .int($0) }),
            "conversation": try ConversationStore(db).json(roomId: roomId, viewerId: exchange.userId),
        ])
    }

    /// `:userId` may be `me`: any member can leave.
    static func removeMember(_ exchange: Exchange) throws -> HTTPResponse {
        let roomId = try exchange.pathId("conversationId")
        let target = exchange.pathText("userId") == "me" ? exchange.userId : try exchange.pathId("userId")
        try GroupStore(try exchange.db).removeMember(roomId: roomId, actorId: exchange.userId, userId: target)
        exchange.context.wakeup.poke()
        return .noContent
    }

    static func setRole(_ exchange: Exchange) throws -> HTTPResponse {
        let roomId = try exchange.pathId("conversationId")
        let target = exchange.pathText("userId") == "me" ? exchange.userId : try exchange.pathId("userId")
        let role = try exchange.body().string("role")
        guard role == "admin" || role == "member" else { throw APIError.validation("role must be \"admin\" or \"member\".") }
        let db = try exchange.db
        if try GroupStore(db).setRole(roomId: roomId, actorId: exchange.userId, userId: target, role: role) {
            exchange.context.wakeup.poke()
        }
        return .json(200, ["conversation": try ConversationStore(db).json(roomId: roomId, viewerId: exchange.userId)])
    }

    /// Rename and/or change the avatar; `"avatar": null` removes it.
    static func update(_ exchange: Exchange) throws -> HTTPResponse {
        let roomId = try exchange.pathId("conversationId")
        let body = try exchange.body()
        let name = try body.optionalString("name")?.trimmed
        if let name, let problem = Validation.groupNameProblem(name) { throw APIError.validation(problem + ".") }
        var avatar: String??
        if body.fields.contains(where: { $0.0 == "avatar" }) {
            let value = try body.optionalString("avatar")
            if let value, let problem = Validation.mediaURLProblem(value) {
                throw APIError.validation(problem.replacingOccurrences(of: "mediaUrl", with: "avatar") + ".")
            }
            avatar = .some(value)
        }
        guard name != nil || avatar != nil else { throw APIError.validation("Send name and/or avatar.") }
        let db = try exchange.db
        try GroupStore(db).update(roomId: roomId, actorId: exchange.userId, name: name, avatar: avatar)
        exchange.context.wakeup.poke()
        return .json(200, ["conversation": try ConversationStore(db).json(roomId: roomId, viewerId: exchange.userId)])
    }
}
