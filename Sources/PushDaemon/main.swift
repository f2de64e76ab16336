PushDaemonCommand.main()
